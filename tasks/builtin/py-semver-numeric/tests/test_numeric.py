from semverlite import is_newer, latest


def test_two_digit_minor():
    assert is_newer("1.10.0", "1.9.0")


def test_latest():
    assert latest(["1.9.0", "1.10.0", "1.2.11"]) == "1.10.0"
