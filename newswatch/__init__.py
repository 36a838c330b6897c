"""Newswatch: the application shell (CLI, config loading, logging)."""

__version__ = "0.1.0"
