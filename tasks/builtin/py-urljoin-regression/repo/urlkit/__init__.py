from .join import join_url
from .paths import normalize_path, strip_slashes
