from .center import mean, median
from .summary import summary
