"""OPML subscription lists in and out: read what any reader exports, write OPML 2.0.

Reading uses lxml with entities, DTDs and the network switched off (no billion laughs,
no external entities); each outline is checked on its own, so one bad outline is one
line of refusal and the rest is read. The country, language and weight of a source
travel as extra outline attributes (``country``, ``language``, ``weight``), which OPML
2.0 allows and other readers ignore.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from importlib import resources
from urllib.parse import urlsplit

from lxml import etree

MAX_BYTES = 20_000_000  # what a bot may download from Telegram
MAX_OUTLINES = 5_000  # per file; the rest are refused in one line
MAX_URL = 2_048
LANGS = frozenset({"ru", "en", "uz", "kk", "ky", "tg", "tk"})
WEIGHT_RANGE = (0.1, 10.0)


@dataclass(frozen=True, slots=True)
class OpmlSource:
    """One feed of a list: where it is and what we know of it."""

    url: str
    name: str | None = None
    country: str | None = None
    lang: str | None = None
    weight: float = 1.0
    found_at: str | None = None  # the starter list says where each address was found


@dataclass(slots=True)
class OpmlRead:
    """The sources read from a file and one line for each outline refused."""

    sources: list[OpmlSource] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _text(value: str | None, limit: int = 256) -> str | None:
    value = " ".join((value or "").split())
    return value[:limit] or None


def _web_url(raw: str) -> str | None:
    """Return the address if it is an http(s) URL with a host, else None."""
    raw = raw.strip()
    if not raw or len(raw) > MAX_URL or any(ch.isspace() for ch in raw):
        return None
    try:
        parts = urlsplit(raw)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return raw


def _outline(element: etree._Element, n: int, seen: set[str], read: OpmlRead) -> None:
    attrs = {k.rsplit("}", 1)[-1].lower(): v for k, v in element.attrib.items()}
    label = _text(attrs.get("text") or attrs.get("title"), 80) or f"outline {n}"
    raw = attrs.get("xmlurl")
    if raw is None:
        if len(element) == 0:  # a folder holds outlines; an empty leaf holds nothing
            read.refused.append(f"outline {n} ({label}): no xmlUrl")
        return
    url = _web_url(raw)
    if url is None:
        read.refused.append(f"outline {n} ({label}): not an http(s) address: {raw[:100]!r}")
        return
    if url.lower() in seen:
        read.refused.append(f"outline {n} ({label}): {url} appears twice in the file")
        return
    country = (attrs.get("country") or "").strip().lower() or None
    if country is not None and not (len(country) == 2 and country.isascii() and country.isalpha()):
        read.refused.append(
            f"outline {n} ({label}): country {country[:20]!r} is not a code like kz"
        )
        return
    lang = (attrs.get("language") or attrs.get("lang") or "").strip().lower() or None
    if lang is not None and lang not in LANGS:
        read.refused.append(f"outline {n} ({label}): language {lang[:20]!r} is not one we read")
        return
    weight = 1.0
    if attrs.get("weight"):
        try:
            weight = float(attrs["weight"])
        except ValueError:
            weight = -1.0
        if not WEIGHT_RANGE[0] <= weight <= WEIGHT_RANGE[1]:
            read.refused.append(
                f"outline {n} ({label}): weight {attrs['weight'][:20]!r} is not 0.1-10"
            )
            return
    seen.add(url.lower())
    read.sources.append(
        OpmlSource(
            url=url,
            name=_text(attrs.get("text") or attrs.get("title")),
            country=country,
            lang=lang,
            weight=weight,
        )
    )


def read(data: bytes) -> OpmlRead:
    """Read an OPML file; a file that is not OPML at all is one refusal line."""
    found = OpmlRead()
    if len(data) > MAX_BYTES:
        found.refused.append(f"file: {len(data):,} bytes is more than {MAX_BYTES:,}")
        return found
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        found.refused.append(f"file: not well-formed XML ({str(exc)[:120]})")
        return found
    if (
        root is None
        or not isinstance(root.tag, str)
        or etree.QName(root).localname.lower() != "opml"
    ):
        found.refused.append("file: not an OPML document (its root is not <opml>)")
        return found
    seen: set[str] = set()
    outlines = [
        el
        for el in root.iter()
        if isinstance(el.tag, str) and etree.QName(el).localname.lower() == "outline"
    ]
    for n, element in enumerate(outlines[:MAX_OUTLINES], start=1):
        _outline(element, n, seen, found)
    if len(outlines) > MAX_OUTLINES:
        found.refused.append(
            f"outlines {MAX_OUTLINES + 1}-{len(outlines)}: more than {MAX_OUTLINES} in one file"
        )
    return found


def write(sources: Iterable[OpmlSource], *, title: str, now: datetime) -> bytes:
    """Write an OPML 2.0 document, one rss outline per source."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(now)
    etree.SubElement(head, "docs").text = "https://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")
    for source in sources:
        attrs = {"type": "rss", "text": source.name or source.url, "xmlUrl": source.url}
        if source.name:
            attrs["title"] = source.name
        if source.country:
            attrs["country"] = source.country
        if source.lang:
            attrs["language"] = source.lang
        attrs["weight"] = f"{source.weight:g}"
        # Control characters have no place in XML 1.0 attributes.
        clean = {k: "".join(ch for ch in v if ch >= " " or ch in "\t\n") for k, v in attrs.items()}
        etree.SubElement(body, "outline", **clean)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def starter() -> list[OpmlSource]:
    """Return the starter list shipped with the package (digests/data/starter_sources.toml)."""
    text = resources.files("digests").joinpath("data/starter_sources.toml").read_text("utf-8")
    return [
        OpmlSource(
            url=entry["url"],
            name=entry["name"],
            country=entry["country"],
            lang=entry["lang"],
            weight=float(entry.get("weight", 1.0)),
            found_at=entry["found_at"],
        )
        for entry in tomllib.loads(text)["source"]
    ]
