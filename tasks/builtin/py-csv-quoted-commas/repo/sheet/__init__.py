from .reader import read_rows
from .importer import import_rows
