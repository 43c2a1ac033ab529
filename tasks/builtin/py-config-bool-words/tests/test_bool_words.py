import pytest
from confkit import load_config, parse_bool


def test_yes_no():
    assert load_config("enabled=yes")["enabled"] is True
    assert load_config("enabled=no")["enabled"] is False


def test_on_off_any_case():
    assert parse_bool("On") is True
    assert parse_bool("OFF") is False
    assert parse_bool("True") is True


def test_garbage_still_rejected():
    with pytest.raises(ValueError):
        parse_bool("maybe")
