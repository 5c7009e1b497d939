"""signatory-tracker: who signed an open letter, in which roles, how many, and what came of it."""

__version__ = "0.1.0"
