"""Pure rules of the domain: no database, no I/O."""
