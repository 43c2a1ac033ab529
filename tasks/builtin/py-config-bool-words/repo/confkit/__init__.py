from .loader import load_config
from .values import parse_bool, parse_int
