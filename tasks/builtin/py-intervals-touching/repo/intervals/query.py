from .merge import merge_intervals


def total_length(intervals):
    return sum(end - start for start, end in merge_intervals(intervals))


def covers(intervals, start, end):
    """True when [start, end] lies inside one merged interval."""
    return any(s <= start and end <= e for s, e in merge_intervals(intervals))
