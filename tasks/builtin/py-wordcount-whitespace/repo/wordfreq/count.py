from collections import Counter

from .tokenize import tokenize


def count_words(text):
    return dict(Counter(tokenize(text)))


def top_words(text, n):
    return [w for w, _ in Counter(tokenize(text)).most_common(n)]
