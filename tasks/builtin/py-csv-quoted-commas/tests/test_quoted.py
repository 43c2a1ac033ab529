from sheet import import_rows, read_rows


def test_quoted_comma():
    rows = import_rows('name,price\n"Widget, large",3.25\n')
    assert rows == [{"name": "Widget, large", "price": 3.25}]


def test_escaped_quote():
    assert read_rows('a\n"say ""hi"""\n')[1] == ['say "hi"']
