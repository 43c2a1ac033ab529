from ledger import format_cents, invoice_total, to_cents


def test_whole():
    assert to_cents("3.10") == 310


def test_format():
    assert format_cents(-1205) == "-12.05"


def test_invoice():
    assert invoice_total([(1, "1.50"), (1, "2.25")]) == "3.75"
