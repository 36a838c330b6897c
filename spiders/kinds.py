"""Which poll class reads which kind of source (`kind` in a `[[sources]]` table)."""

from __future__ import annotations

from spiders.base import SourcePoll
from spiders.feed import FeedPoll
from spiders.listing import ListingPoll
from spiders.sitemap import SitemapPoll

_POLLS: dict[str, type[SourcePoll]] = {
    poll.kind: poll for poll in (FeedPoll, SitemapPoll, ListingPoll)
}


def poll_for(kind: str) -> type[SourcePoll]:
    """The poll class for a source kind; KeyError names an unknown kind."""
    try:
        return _POLLS[kind]
    except KeyError:
        raise KeyError(f"no poll reads sources of kind {kind!r}") from None
