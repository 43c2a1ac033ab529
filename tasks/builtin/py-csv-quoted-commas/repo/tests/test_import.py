import pytest
from sheet import import_rows, read_rows


def test_simple():
    assert import_rows("name,price\nbolt,0.5\n") == [{"name": "bolt", "price": 0.5}]


def test_bad_header():
    with pytest.raises(ValueError):
        import_rows("a,b\n")


def test_rows():
    assert read_rows("a,b\n1,2\n") == [["a", "b"], ["1", "2"]]
