from .tokenize import tokenize
from .count import count_words, top_words
