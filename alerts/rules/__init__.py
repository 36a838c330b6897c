"""Rule matching: the query language, groups, entities, the scanner and compiled evaluation.

Pure: nothing here reads the archive or talks to a server (an import-linter contract says so).
"""
