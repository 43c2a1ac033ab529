def delays(base, factor, count):
    """The `count` waits between attempts: base, base*factor, ..."""
    return [base * factor ** i for i in range(count)]
