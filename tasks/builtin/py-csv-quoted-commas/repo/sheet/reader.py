def read_rows(text):
    """Rows of a CSV document (header first) as lists of strings."""
    return [line.split(",") for line in text.splitlines() if line]
