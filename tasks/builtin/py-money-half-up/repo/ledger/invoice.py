from .money import format_cents, to_cents


def invoice_total(lines):
    """Sum of (quantity, unit price string) lines, each line rounded to cents."""
    return format_cents(sum(to_cents(str(q * float(p))) if q != 1 else to_cents(p) for q, p in lines))
