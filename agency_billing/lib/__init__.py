"""Business logic that needs no database: plain data in, plain data out.

Models gather records, call these functions and write the results in batch.
"""
