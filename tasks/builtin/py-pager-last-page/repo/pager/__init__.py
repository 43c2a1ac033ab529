from .count import page_count
from .paginate import PageOutOfRange, paginate

__all__ = ["page_count", "paginate", "PageOutOfRange"]
