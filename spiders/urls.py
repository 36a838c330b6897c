"""Canonical URLs: the archive's identity of a page.

Addresses that lead a reader to the same article (tracking parameters, AMP variants, a
fragment, host case, a default port, percent-encoding spelled differently, query order) get
one canonical URL, so the crawler can skip pages already archived and the archive stores each
page once.

w3lib's `canonicalize_url` (the normaliser behind Scrapy's request fingerprints) does the
percent-encoding, IDNA hosts, dot segments and query sorting. courlan's `clean_url` is not
used for the query: its tracker pattern also removes content parameters such as `source`,
`game` or `gallery`, and it drops blank values.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote_plus, urlsplit, urlunsplit

from courlan.urlutils import get_tldinfo
from w3lib.url import canonicalize_url as w3lib_canonicalize_url

__all__ = ["canonical_url", "is_http_url"]

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that say how a reader arrived, never which page they read.
_TRACKING_PARAMS = frozenset(
    {
        "__twitter_impression",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "action_object_map",
        "action_ref_map",
        "action_type_map",
        "cmp",
        "cmpid",
        "dclid",
        "fb_action_ids",
        "fb_action_types",
        "fb_ref",
        "fb_source",
        "fbclid",
        "gbraid",
        "gclid",
        "gclsrc",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "icid",
        "igsh",
        "igshid",
        "ito",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "msclkid",
        "ncid",
        "ns_campaign",
        "ns_fee",
        "ns_linkname",
        "ns_mchannel",
        "ns_source",
        "ocid",
        "rb_clickid",
        "ref",
        "ref_src",
        "ref_url",
        "s_cid",
        "smid",
        "smtyp",
        "soc_src",
        "soc_trk",
        "spm",
        "sr_share",
        "ttclid",
        "twclid",
        "wbraid",
        "wt.mc_id",
        "wt_mc",
        "wt_zmc",
        "xtor",
        "yclid",
    }
)
_TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "matomo_", "piwik_", "itm_", "hsa_", "oly_")
_AMP_FLAG_VALUES = frozenset({"", "1", "true", "yes", "on"})

_AMP_SUFFIX = re.compile(r"(?:\.amp)+(\.html?)$", re.IGNORECASE)
_AMP_HOST_PREFIX = "amp."


def is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host; never raises."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname)


def canonical_url(url: str) -> str:
    """The archive's identity of the page at `url`.

    Raises ValueError when `url` is not absolute (no scheme or no host) or its port is invalid.
    """
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.hostname:
        raise ValueError(f"not an absolute URL (it needs a scheme and a host): {url!r}")
    try:
        parts.port  # noqa: B018 -- parsing the port is the check
    except ValueError as error:
        raise ValueError(f"invalid port in URL {url!r}: {error}") from error
    # The fragment is dropped here: it never reaches the server, so never names another page.
    normalised = urlsplit(
        w3lib_canonicalize_url(
            urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, "")),
            keep_blank_values=True,
        )
    )
    # Filtered after w3lib so that a parameter is judged in the form it is stored in.
    query = "&".join(pair for pair in normalised.query.split("&") if _is_content_param(pair))
    return urlunsplit(
        (
            normalised.scheme,
            _netloc(normalised),
            _path_without_amp(normalised.path),
            query,
            "",
        )
    )


def _is_content_param(pair: str) -> bool:
    name, _, value = pair.partition("=")
    key = unquote_plus(name).strip().lower()
    if not key:
        return False
    if key in _TRACKING_PARAMS or key.startswith(_TRACKING_PREFIXES):
        return False
    value = unquote_plus(value).strip().lower()
    if key == "amp" and value in _AMP_FLAG_VALUES:
        return False
    return not (key == "outputtype" and value == "amp")


def _netloc(parts: SplitResult) -> str:
    host = (parts.hostname or "").rstrip(".")
    while host.startswith(_AMP_HOST_PREFIX) and _is_registrable(host[len(_AMP_HOST_PREFIX) :]):
        host = host[len(_AMP_HOST_PREFIX) :]
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        netloc = f"{netloc}:{parts.port}"
    return netloc


def _is_registrable(host: str) -> bool:
    """True when `host` can be a publisher's domain: not a bare public suffix (`co.uk`, `dev`).

    A suffix the public-suffix list does not know (`.invalid`, `.test`) counts as a domain as
    long as it has at least two labels.
    """
    if "." not in host:
        return False
    domain, _registered = get_tldinfo(f"http://{host}/")
    return domain != host


def _path_without_amp(path: str) -> str:
    segments = [segment for segment in path.split("/") if segment.lower() != "amp"]
    path = _AMP_SUFFIX.sub(r"\1", "/".join(segments))
    return path if path.startswith("/") else "/" + path
