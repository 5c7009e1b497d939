"""One module per capability. Functions take the unit of work as a keyword argument."""
