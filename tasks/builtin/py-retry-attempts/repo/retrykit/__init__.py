from .policy import RetryError, retry
from .backoff import delays
