"""Read-side reports: SQL queries -> pandas DataFrames -> safe CSV, JSON, a data package, a chart.

pandas and matplotlib are imported here and nowhere on the CLI's fast paths.
"""
