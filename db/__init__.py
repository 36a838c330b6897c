"""The archive: tables, engine, storing, search, export, seed import and deduplication.

This package imports none of the other Newswatch packages; spiders and alerts hand work to
each other only through it.
"""
