"""Alerts: rule matching (`rules/`), delivery (`delivery/`), and the bridge between them.

`evaluate` runs the rules over new articles and writes matches, alerts and their deliveries;
`novelty` and `archive_search` also read the archive for the rules.
"""
