import pytest
from confkit import load_config


def test_basic():
    assert load_config("enabled=true\nworkers=4\n") == {"enabled": True, "workers": 4}


def test_comment_and_blank():
    assert load_config("# hi\n\nname = demo # x\n") == {"name": "demo"}


def test_unknown_key():
    with pytest.raises(ValueError):
        load_config("colour=red")
