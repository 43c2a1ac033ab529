from .count import page_count


class PageOutOfRange(Exception):
    pass


def paginate(items, page, per_page):
    """Items on 1-based `page`."""
    pages = page_count(len(items), per_page)
    if page < 1 or page > pages:
        raise PageOutOfRange(f"page {page} of {pages}")
    start = (page - 1) * per_page
    return items[start:start + per_page]
