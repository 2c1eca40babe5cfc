"""The seed articles (tests/fixtures/seeds) as the understanding tests read them."""

from __future__ import annotations

from pathlib import Path

from digests.model import RawArticle

SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"


def seed_article(number: str) -> RawArticle:
    """Return a seed as a raw article: first line the title, the rest the text."""
    (path,) = SEEDS.glob(f"{number}_*.txt")
    title, _, text = path.read_text(encoding="utf-8").partition("\n")
    return RawArticle(url=None, title=title, text=text)
