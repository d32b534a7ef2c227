"""The analytics' formulas: plain data in, plain data out (no database)."""
