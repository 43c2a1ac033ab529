import pytest
from retrykit import RetryError, delays, retry


def test_success_first():
    assert retry(lambda: 5) == 5


def test_delays():
    assert delays(1, 2, 3) == [1, 2, 4]


def test_zero_attempts():
    with pytest.raises(ValueError):
        retry(lambda: 1, max_attempts=0)
