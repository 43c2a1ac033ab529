from ledger import invoice_total, to_cents


def test_half_up():
    assert to_cents("0.125") == 13
    assert to_cents("2.675") == 268


def test_invoice_half_up():
    assert invoice_total([(1, "0.125"), (1, "0.005")]) == "0.14"
