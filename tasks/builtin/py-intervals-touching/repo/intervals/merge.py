def merge_intervals(intervals):
    """Merge closed intervals (start, end); overlapping or touching ones become one."""
    result = []
    for start, end in sorted(intervals):
        if start > end:
            raise ValueError(f"bad interval ({start}, {end})")
        if result and start < result[-1][1]:
            last_start, last_end = result[-1]
            result[-1] = (last_start, max(last_end, end))
        else:
            result.append((start, end))
    return result
