from .merge import deep_merge


def merge_settings(*layers):
    """Later layers win; None layers are skipped."""
    result = {}
    for layer in layers:
        if layer is not None:
            result = deep_merge(result, layer)
    return result
