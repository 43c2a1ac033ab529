def strip_slashes(text):
    """Remove leading and trailing slashes."""
    return text.strip("/")


def normalize_path(path):
    """'/a//b/./c/' -> 'a/b/c'"""
    parts = [p for p in strip_slashes(path).split("/") if p not in ("", ".")]
    return "/".join(parts)
