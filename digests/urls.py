"""Canonical URLs: the same article reached by different links is recognised as one."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameters that say how a reader arrived, not which article they read.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "yclid",
        "ysclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ref",
        "ref_src",
        "ref_url",
        "from",
        "share",
        "_openstat",
        "rss",
        "utm",
        "cmpid",
        "spm",
        "si",
    }
)
TRACKING_PREFIXES = ("utm_", "hmb_", "pk_", "mtm_", "at_", "ga_")
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_CHARS = 2048  # what the articles and sources tables hold
FETCHABLE = ("http", "https")
_HOST = re.compile(r"^[\w.-]+$")
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\ud800-\udfff]")


class InvalidURL(ValueError):
    """A URL that parses but cannot be fetched or stored; the message says why."""


def check_url(url: str, *, schemes: tuple[str, ...] = FETCHABLE) -> str:
    """Return the URL trimmed if it can be fetched and stored; raise InvalidURL saying why.

    Refuses other schemes (``javascript:``, ``data:``), a missing or malformed host (a
    broken IPv6 literal), a port outside 1-65535, spaces or control characters, and URLs
    longer than the database holds.
    """
    url = url.strip()
    if not url:
        raise InvalidURL("invalid URL: empty")
    if len(url) > MAX_URL_CHARS:
        raise InvalidURL(f"invalid URL: over {MAX_URL_CHARS} characters")
    if _NOT_IN_URL.search(url):
        raise InvalidURL("invalid URL: space or control character")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"invalid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        shown = f"{scheme}:" if scheme else "(none)"
        raise InvalidURL(f"invalid URL: unsupported scheme {shown}")
    if scheme == "file":
        return url
    host = parts.hostname or ""
    if not host:
        raise InvalidURL("invalid URL: no host")
    if port == 0:
        raise InvalidURL("invalid URL: port 0")
    if ":" in host:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError as exc:
            raise InvalidURL(f"invalid URL: bad IPv6 address {host}") from exc
    elif not _HOST.match(host) or ".." in host or host.startswith((".", "-")):
        raise InvalidURL(f"invalid URL: bad host {host[:80]}")
    return url


def canonical_url(url: str | None) -> str | None:
    """Return the URL without tracking parameters, fragment, default port or case noise."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # an out-of-range port or a broken IPv6 host: compared as given
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    netloc = host
    if port and DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{host}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    query.sort()
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    # http and https copies of one page are one article
    return urlunsplit(("https", netloc, path, urlencode(query), ""))
