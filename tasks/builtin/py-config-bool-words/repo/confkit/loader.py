from .values import parse_bool, parse_int

SCHEMA = {"enabled": parse_bool, "workers": parse_int, "name": str.strip}


def load_config(text):
    """Parse `key=value` lines; `#` starts a comment."""
    config = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or key not in SCHEMA:
            raise ValueError(f"line {number}: bad entry {line!r}")
        config[key] = SCHEMA[key](value)
    return config
