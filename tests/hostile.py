"""Hostile input for ingestion tests: feeds, lines and texts a source might send.

Each builder returns what a source sends; the tests assert that the run ends, that every
well-formed item is stored, that each bad item has one error line, and that the database
stays consistent (:func:`check_consistent`).
"""

from __future__ import annotations

from html import escape

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# Real-looking news in each language the bot reads, long enough to be understood.
NEWS = {
    "ru": "Министерство цифрового развития Казахстана запустило платформу для стартапов "
    "в Астане. Резиденты получат налоговые льготы и доступ к облачным сервисам.",
    "en": "Uzbekistan opened a new IT park in Samarkand for software exporters. The park "
    "offers tax breaks to residents and a fast connection to Tashkent.",
    "uz": "Toshkentda yangi IT park ochildi, unda yuzdan ortiq kompaniya ishlaydi. Rezidentlar "
    "soliq imtiyozlari va bulutli xizmatlardan foydalanadi.",
    "uz-cyrl": "Тошкентда янги IT парк очилди, унда юздан ортиқ компания ишлайди. Резидентлар "
    "солиқ имтиёзлари ва булутли хизматлардан фойдаланади.",
    "kk": "Астанада жаңа технопарк ашылды, онда жүзден астам компания жұмыс істейді. "
    "Резиденттер салық жеңілдіктерін алады.",
    "ky": "Бишкекте жаңы технопарк ачылды, анда жүздөн ашык компания иштейт. Резиденттер "
    "салык жеңилдиктерин алышат.",
    "tg": "Дар Душанбе технопарки нав кушода шуд, ки дар он беш аз сад ширкат кор мекунад. "
    "Сокинони он аз имтиёзҳои андоз истифода мебаранд.",
    "tk": "Aşgabatda täze tehnopark açyldy, onda ýüzden gowrak kompaniýa işleýär. Rezidentler "
    "salgyt ýeňilliklerini alýarlar.",
}


def news(lang: str, n: int) -> str:
    """Return a distinct news text in a language (the n-th of its kind)."""
    return f"{NEWS[lang]} {n}/{n * 7 + 3}."


def rss(items: list[str], *, title: str = "Feed") -> bytes:
    """Return an RSS 2.0 document with the given <item> elements."""
    body = "".join(items)
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title>{body}</channel></rss>"
    ).encode()


def item(
    *,
    title: str | None,
    link: str | None,
    description: str,
    guid: str | None = None,
    pub_date: str | None = None,
    raw: bool = False,
) -> str:
    """Return one <item>; ``raw`` puts title and link in as given (entities and all)."""
    parts = ["<item>"]
    if title is not None:
        parts.append(f"<title>{title if raw else escape(title)}</title>")
    if link is not None:
        parts.append(f"<link>{link if raw else escape(link)}</link>")
    if guid is not None:
        parts.append(f"<guid>{escape(guid)}</guid>")
    if pub_date is not None:
        parts.append(f"<pubDate>{pub_date}</pubDate>")
    parts.append(f"<description>{escape(description)}</description></item>")
    return "".join(parts)


def poisoned_items(base: str) -> tuple[list[str], int]:
    """Return items that crashed ingestion once, and how many of them are well-formed.

    Well-formed: text that Python holds but UTF-8 cannot (``&#xD800;``), NUL and bidi
    overrides in a title, dates at both ends of the calendar, no title at all, a repeated
    guid. Bad: links that parse but cannot be fetched (port over 65535, broken IPv6 host,
    ``javascript:``, ``data:``).
    """
    good = [
        item(
            title="Surrogate &#xD800; title", link=f"{base}/s1", description=news("ru", 1), raw=True
        ),
        item(
            title="NUL &#0; and &#x202E;bidi",
            link=f"{base}/s2",
            description=news("kk", 2),
            raw=True,
        ),
        item(
            title="Year one",
            link=f"{base}/s3",
            description=news("ky", 3),
            pub_date="Mon, 01 Jan 0001 00:00:00 +0300",
        ),
        item(
            title="Year 9999",
            link=f"{base}/s4",
            description=news("tg", 4),
            pub_date="Fri, 31 Dec 9999 23:59:59 -0500",
        ),
        item(title=None, link=f"{base}/s5", description=news("tk", 5)),
        item(
            title="HTML&nbsp;entity&mdash;in&nbsp;XML",
            link=f"{base}/s6",
            description=news("uz", 6),
            raw=True,
        ),
    ]
    bad = [
        item(title="Port", link="https://news.example:99999/p", description=news("en", 7)),
        item(title="IPv6", link="http://[::1/broken", description=news("en", 8)),
        item(title="Script", link="javascript:alert(1)", description=news("en", 9)),
        item(title="Data", link="data:text/html,hello", description=news("en", 10)),
    ]
    return good + bad, len(good)


async def check_consistent(engine: AsyncEngine) -> None:
    """Assert the database is whole: integrity, full-text rows, no orphans, nothing junk."""
    async with engine.connect() as conn:
        dialect = conn.dialect.name
        articles = (await conn.execute(text("SELECT count(*) FROM articles"))).scalar()
        if dialect == "sqlite":
            assert (await conn.execute(text("PRAGMA integrity_check"))).scalar() == "ok"
            # the full-text index holds exactly the articles' rows (raises if not)
            await conn.execute(
                text("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
            )
            indexed = (await conn.execute(text("SELECT count(*) FROM articles_fts"))).scalar()
        else:
            indexed = (
                await conn.execute(
                    text("SELECT count(*) FROM articles WHERE search_vector IS NOT NULL")
                )
            ).scalar()
        assert indexed == articles
        orphans = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM articles a LEFT JOIN stories s ON s.id = a.story_id "
                    "WHERE s.id IS NULL"
                )
            )
        ).scalar()
        assert orphans == 0
        for table, column in (("article_tags", "article_id"), ("article_keys", "article_id")):
            dangling = (
                await conn.execute(
                    text(
                        f"SELECT count(*) FROM {table} t LEFT JOIN articles a "
                        f"ON a.id = t.{column} WHERE a.id IS NULL"
                    )
                )
            ).scalar()
            assert dangling == 0, table
        junk = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM articles WHERE trim(text) = '' OR trim(title) = '' "
                    "OR length(title) > 400 OR url LIKE 'javascript:%' OR url LIKE 'data:%'"
                )
            )
        ).scalar()
        assert junk == 0
