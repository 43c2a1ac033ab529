def to_cents(amount):
    """Whole cents of a decimal amount given as a string, rounded half up."""
    return int(round(float(amount), 2) * 100)


def format_cents(cents):
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
