from .parse import parse_version
from .compare import compare, is_newer, latest
