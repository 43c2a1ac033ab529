import pytest
from semverlite import compare, is_newer, parse_version


def test_parse():
    assert parse_version("v1.2.3-rc1") == (1, 2, 3, "rc1")


def test_bad():
    with pytest.raises(ValueError):
        parse_version("1.2")


def test_prerelease_before_release():
    assert is_newer("1.0.0", "1.0.0-rc1")
    assert compare("2.0.0", "2.0.0") == 0
