from .merge import merge_intervals
from .query import covers, total_length
