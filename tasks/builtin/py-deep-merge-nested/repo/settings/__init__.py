from .merge import deep_merge
from .layers import merge_settings
