"""The daemon: when each source is due, the long-lived crawl worker, rules and alert dispatch."""
