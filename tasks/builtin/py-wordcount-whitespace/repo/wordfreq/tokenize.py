import string

_PUNCT = str.maketrans("", "", string.punctuation)


def tokenize(text):
    """Lower-cased words of `text`, punctuation removed, split on any whitespace."""
    return [w for w in text.translate(_PUNCT).lower().split(" ")]
