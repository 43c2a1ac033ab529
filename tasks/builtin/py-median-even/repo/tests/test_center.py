import pytest
from statkit import mean, median


def test_odd():
    assert median([3, 1, 2]) == 2


def test_mean():
    assert mean([1, 2, 3, 4]) == 2.5


def test_empty():
    with pytest.raises(ValueError):
        median([])
