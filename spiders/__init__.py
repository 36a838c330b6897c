"""Collection: Scrapy spiders per source kind, extraction, and the hand-off to the archive."""
