from .center import mean, median


def summary(values):
    values = list(values)
    return {"n": len(values), "mean": mean(values), "median": median(values),
            "min": min(values), "max": max(values)}
