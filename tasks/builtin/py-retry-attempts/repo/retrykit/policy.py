from .backoff import delays


class RetryError(Exception):
    def __init__(self, attempts, last):
        super().__init__(f"gave up after {attempts} attempts: {last!r}")
        self.attempts = attempts
        self.last = last


def retry(fn, max_attempts=3, base=0.0, factor=2.0, sleep=lambda s: None):
    """Call fn() up to max_attempts times; sleep between attempts."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    waits = delays(base, factor, max_attempts - 1)
    last = None
    for attempt in range(1, max_attempts):
        try:
            return fn()
        except Exception as error:  # noqa: BLE001 - any failure is retried
            last = error
            if attempt < max_attempts:
                sleep(waits[attempt - 1])
    raise RetryError(max_attempts, last)
