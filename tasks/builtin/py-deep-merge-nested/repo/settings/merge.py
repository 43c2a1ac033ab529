import copy


def deep_merge(base, override):
    """A new dict: `override` on top of `base`, nested dicts merged recursively."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        result[key] = copy.deepcopy(value)
    return result
