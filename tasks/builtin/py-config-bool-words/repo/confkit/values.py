TRUE_WORDS = {"true", "1"}
FALSE_WORDS = {"false", "0"}


def parse_bool(text):
    word = text.strip()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"not a boolean: {text!r}")


def parse_int(text):
    return int(text.strip(), 10)
