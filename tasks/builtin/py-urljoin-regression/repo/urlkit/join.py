from .paths import strip_slashes


def join_url(base, *parts):
    """Join a base URL and path parts with exactly one slash between them."""
    url = base.rstrip("/") + "/"
    for part in parts:
        piece = strip_slashes(part)
        if piece:
            url = url + piece
    return url
