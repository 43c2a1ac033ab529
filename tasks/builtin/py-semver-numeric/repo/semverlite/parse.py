def parse_version(text):
    """(major, minor, patch, prerelease) from 'X.Y.Z[-pre]'."""
    core, _, pre = text.strip().lstrip("v").partition("-")
    parts = core.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a version: {text!r}")
    return (int(parts[0]), int(parts[1]), int(parts[2]), pre)
