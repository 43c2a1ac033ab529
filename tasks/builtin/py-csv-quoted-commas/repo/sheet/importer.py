from .reader import read_rows


def import_rows(text):
    """Products from CSV text with a `name,price` header."""
    rows = read_rows(text)
    if not rows or [c.strip() for c in rows[0]] != ["name", "price"]:
        raise ValueError("expected header name,price")
    return [{"name": name.strip(), "price": float(price)} for name, price in rows[1:]]
