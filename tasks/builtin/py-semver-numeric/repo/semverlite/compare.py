from .parse import parse_version


def _key(text):
    parse_version(text)  # validates
    core, _, pre = text.strip().lstrip("v").partition("-")
    # a release sorts after its pre-releases
    return (core, pre == "", pre)


def compare(a, b):
    ka, kb = _key(a), _key(b)
    return (ka > kb) - (ka < kb)


def is_newer(a, b):
    return compare(a, b) > 0


def latest(versions):
    return max(versions, key=_key)
