import pytest
from retrykit import RetryError, retry


def flaky(failures):
    state = {"n": 0}

    def call():
        state["n"] += 1
        if state["n"] <= failures:
            raise OSError("boom")
        return state["n"]

    return call, state


def test_third_try_succeeds():
    call, state = flaky(2)
    assert retry(call, max_attempts=3) == 3


def test_single_attempt():
    call, state = flaky(5)
    with pytest.raises(RetryError):
        retry(call, max_attempts=1)
    assert state["n"] == 1
