"""The `chaikhana` command: the bot's service functions, from a shell."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import logging
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from bot import cli_demo, cli_lookups, cli_sources, healthcheck, logs
from bot.cli_runtime import open_db, open_runtime
from bot.config import Config, ConfigError, load_config
from bot.services import maintenance
from bot.services import sources as source_service
from bot.services import status as status_service
from bot.services.ingest import (
    Outcome,
    Status,
    Tally,
    expand_paths,
    fetch_sources,
    ingest_items,
)
from digests.model import SourceHints
from digests.sources.workers import WorkerPool, default_workers
from storage import articles, sources
from storage import db as storage_db
from storage.backup import BackupError
from storage.errors import AlreadyExists

logger = logging.getLogger("chaikhana")

SAMPLES = Path(__file__).parent / "samples"


def article_json(outcome: Outcome) -> dict[str, Any]:
    """Return one stored article in the `ingest --json` shape of DESIGN.md."""
    article = outcome.article
    assert article is not None
    return {
        "id": outcome.article_id,
        "url": article.url,
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "lang": article.lang,
        "script": article.script,
        "countries": list(article.countries),
        "topics": list(article.topics),
        "tech": article.tech,
        "events": [event.to_json() for event in article.events],
        "summary": article.summary,
        "story": outcome.story_id,
        "status": outcome.status.value,
    }


async def cmd_ingest(args: argparse.Namespace, cfg: Config) -> int:
    """Ingest files and URLs; print one JSON line per article with --json."""
    items = expand_paths(args.items)
    hints = SourceHints(country=args.country, lang=args.lang)
    tally = Tally()
    # Counted in articles: a .jsonl or a feed holds many, and all items share the batches.
    progress = tqdm(
        unit="article",
        file=sys.stderr,
        disable=not sys.stderr.isatty() or len(items) < 20,
    )
    async with open_runtime(cfg) as rt, _pool_for(items, cfg.ingest.workers) as pool:
        async for outcome in ingest_items(
            rt.db,
            items,
            fetcher=rt.fetcher,
            fetch_full_text=cfg.ingest.fetch_full_text,
            hints=hints,
            pool=pool,
        ):
            tally.add(outcome)
            if outcome.status is Status.FAILED:
                progress.write(f"error: {outcome.error}", file=sys.stderr)
            elif args.json:
                print(json.dumps(article_json(outcome), ensure_ascii=False), flush=True)
            elif outcome.status is Status.NEW:
                progress.write(_article_line(outcome), file=sys.stdout)
            else:
                progress.write(f"duplicate  {outcome.item}", file=sys.stdout)
            progress.update(1)
    progress.close()
    print(tally.line(), file=sys.stderr)
    return 1 if tally.failed else 0


# Fewer items than this are read in this process: starting workers costs a few seconds.
POOL_MIN_ITEMS = 16
POOL_MIN_BYTES = 4_000_000


@asynccontextmanager
async def _pool_for(items: list[str], workers: int) -> AsyncIterator[WorkerPool | None]:
    """Yield worker processes for a bulk ingest (one per core), or None for a small one."""
    size = workers or default_workers()
    if size < 2 or not _is_bulk(items):
        yield None
        return
    async with WorkerPool(size) as pool:
        yield pool


def _is_bulk(items: list[str]) -> bool:
    if len(items) >= POOL_MIN_ITEMS:
        return True
    total = 0
    for item in items:
        with contextlib.suppress(OSError, ValueError):
            path = Path(item)
            total += path.stat().st_size if path.is_file() else 0
    return total >= POOL_MIN_BYTES


def _article_line(outcome: Outcome) -> str:
    article = outcome.article
    assert article is not None
    where = ",".join(article.countries) or "-"
    return f"#{outcome.article_id:<5} {article.lang:<3} {where:<8} {article.title[:90]}"


async def cmd_sources(args: argparse.Namespace, cfg: Config) -> int:
    """Add, list, remove or fetch sources."""
    async with open_runtime(cfg, writes=args.action not in ("list", "export")) as rt:
        if args.action in ("import", "export"):
            return await cli_sources.run(args, rt.db)
        if args.action == "add":
            try:
                record = await source_service.add(
                    rt.db,
                    args.url,
                    kind=args.kind,
                    name=args.name,
                    country=args.country,
                    lang=args.lang,
                    weight=args.weight,
                )
            except source_service.InvalidSource as exc:
                print("error: " + "; ".join(_problem(p) for p in exc.problems), file=sys.stderr)
                return 1
            except AlreadyExists:
                print(f"error: {args.url}: already a source", file=sys.stderr)
                return 1
            print(f"added source #{record.id}: {record.url}")
            return 0
        if args.action == "remove":
            async with rt.db() as session, session.begin():
                removed = await sources.remove(session, _ref(args.ref))
            if not removed:
                print(f"error: {args.ref}: no such source", file=sys.stderr)
                return 1
            print(f"removed {args.ref}")
            return 0
        if args.action == "fetch":
            reports = await fetch_sources(
                rt.db,
                rt.fetcher,
                interval=cfg.ingest.interval,
                backoff_base=cfg.ingest.backoff_base,
                backoff_max=cfg.ingest.backoff_max,
                fetch_full_text=cfg.ingest.fetch_full_text,
                concurrency=cfg.ingest.concurrency,
                lease=cfg.ingest.lease,
                only_due=not args.all,
            )
            total = Tally()
            for report in reports:
                state = report.error or ("not modified" if report.not_modified else "ok")
                print(f"#{report.source.id:<4} {report.source.url}  {report.tally.line()}  {state}")
                for error in report.tally.errors:
                    print(f"error: {error}", file=sys.stderr)
                total.new += report.tally.new
                total.duplicates += report.tally.duplicates
                total.failed += report.tally.failed  # a failing source counts itself
            if not reports:
                print("no source is due (use --all to fetch every source now)")
            print(total.line(), file=sys.stderr)
            return 1 if total.failed else 0
        async with rt.db() as session:
            records = await sources.list_all(session)
        if args.json:
            for record in records:
                print(json.dumps(_source_json(record), ensure_ascii=False, default=str))
        elif not records:
            print("no sources yet: chaikhana sources add URL")
        for record in records if not args.json else ():
            print(
                f"#{record.id:<4} {record.kind:<4} {record.country or '-':<3} "
                f"{record.url}  [{record.health}]"
            )
    return 0


def _weight(text: str) -> float:
    """Parse a source weight for argparse, with the sources service's range."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from None
    if (why := source_service.weight_problem(value)) is not None:
        raise argparse.ArgumentTypeError(f"{why}: {text}")
    return value


def _problem(problem: source_service.Problem) -> str:
    """Say one refused value the way the command line gave it (``--lang russian``)."""
    option = "" if problem.field == "url" else f"--{problem.field} "
    return f"{option}{problem.value}: {problem.reason}"


def _source_json(record: Any) -> dict[str, Any]:
    return {
        "id": record.id,
        "kind": record.kind,
        "url": record.url,
        "name": record.name,
        "country": record.country,
        "lang": record.lang,
        "weight": record.weight,
        "health": record.health,
        "failures": record.failures,
        "last_error": record.last_error,
        "next_attempt_at": record.next_attempt_at,
        "articles_total": record.articles_total,
    }


def _ref(value: str) -> str | int:
    return int(value) if value.isdigit() else value


async def cmd_db(args: argparse.Namespace, cfg: Config) -> int:
    """Apply or revert database migrations, or back the database up."""
    url = cfg.database.url
    if args.action == "backup":
        try:
            report = await maintenance.backup(url, Path(args.path))
        except BackupError as exc:
            print(f"chaikhana: backup: {exc}", file=sys.stderr)
            return 1
        print(f"backed up {_safe_url(url)} to {report.path} ({report.bytes} bytes, integrity ok)")
        return 0
    if args.action == "downgrade":
        before, after = await maintenance.migrate(url, args.revision, down=True)
        print(f"database schema {before} -> {after}: {_safe_url(url)}")
        return 0
    async with open_db(cfg):
        pass
    print(f"database is up to date: {_safe_url(url)}")
    return 0


def cmd_health(args: argparse.Namespace, cfg: Config) -> int:
    """Probe the running bot's /readyz (or /healthz), as the image's health check does."""
    return healthcheck.main(["--live"] if args.live else [])


async def cmd_status(args: argparse.Namespace, cfg: Config) -> int:
    """Print on one screen what /metrics and /readyz say, and what the database holds."""
    now = datetime.now(UTC)
    view = await status_service.overview(
        cfg.database.url, now=now, metrics_url=healthcheck.metrics_url(cfg)
    )
    for line in render_status(view, _safe_url(cfg.database.url)):
        print(line)
    return 0


def render_status(view: status_service.Overview, database: str) -> list[str]:
    """Lay the overview out as lines for a terminal."""
    lines = [f"database  {database}  schema {view.revision or 'none'} (code {view.head})"]
    if view.revision != view.head:
        lines.append("          the schema is behind the code: run `chaikhana db upgrade`")
        return lines
    run = view.running
    if not run.reachable:
        lines.append(f"bot       no answer at {run.url} (not running here, or metrics are off)")
    else:
        state = "ready" if run.ready else "NOT READY: " + "; ".join(run.problems)
        lines.append(f"bot       {run.url}  {state}")
        lines.append(
            "polls     {:.0f} ok, {:.0f} not modified, {:.0f} failed; articles {:.0f} new, "
            "{:.0f} duplicate, {:.0f} failed".format(
                run.total("chaikhana_source_polls_total", outcome="ok"),
                run.total("chaikhana_source_polls_total", outcome="not_modified"),
                run.total("chaikhana_source_polls_total", outcome="failed"),
                run.total("chaikhana_articles_total", outcome="ingested"),
                run.total("chaikhana_articles_total", outcome="duplicate"),
                run.total("chaikhana_articles_total", outcome="failed"),
            )
        )
        lines.append(
            "sending   {:.0f} planned, {:.0f} sent, {:.0f} retried, {:.0f} failed, {:.0f} gone; "
            "429s {:.0f} (paused {:.1f} s)".format(
                run.total("chaikhana_deliveries_planned_total"),
                run.total("chaikhana_deliveries_total", outcome="sent"),
                run.total("chaikhana_deliveries_total", outcome="retried"),
                run.total("chaikhana_deliveries_total", outcome="failed"),
                run.total("chaikhana_deliveries_total", outcome="gone"),
                run.total("chaikhana_telegram_retry_after_total"),
                run.total("chaikhana_telegram_paused_seconds_total"),
            )
        )
        commands = run.total("chaikhana_commands_total")
        spent = run.total("chaikhana_reply_duration_seconds_sum")
        mean = f"{1000 * spent / commands:.0f} ms mean reply" if commands else "no replies yet"
        lines.append(f"commands  {commands:.0f} handled, {mean}")
    facts = view.facts
    counts = facts.outbox.counts
    lines.append(
        "outbox    {} pending, {} sending, {} sent, {} failed; oldest due waits {:.0f} s".format(
            counts.get("pending", 0),
            counts.get("sending", 0),
            counts.get("sent", 0),
            counts.get("failed", 0),
            facts.outbox.lag(facts.now),
        )
    )
    failing = [s for s in facts.sources if s.active and s.failures]
    lines.append(
        f"sources   {len(facts.sources)} ({sum(1 for s in facts.sources if s.active)} active, "
        f"{len(failing)} failing)"
    )
    for record in facts.sources:
        since = (
            f"last ok {_ago(facts.now, record.last_ok_at)} ago"
            if record.last_ok_at is not None
            else "never read"
        )
        lines.append(f"  #{record.id:<4} {record.health[:60]:<24} {since:<22} {record.url}")
    return lines


def _ago(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172_800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86_400} d"


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


async def cmd_demo(args: argparse.Namespace, cfg: Config) -> int:
    """Ingest the bundled sample articles into a scratch database and show what was understood."""
    with tempfile.TemporaryDirectory(prefix="chaikhana-demo-") as tmp:
        if not args.keep:
            cfg = cfg.model_copy(
                update={
                    "database": cfg.database.model_copy(
                        update={"url": f"sqlite:///{Path(tmp) / 'demo.db'}"}
                    )
                }
            )
        samples = sorted(str(p) for p in SAMPLES.glob("*.txt"))
        out = sys.stdout
        out.write(f"Chaikhana demo: {len(samples)} sample articles → {cfg.database.url}\n\n")
        async with open_runtime(cfg) as rt:
            tally = Tally()
            async for outcome in ingest_items(rt.db, samples, fetcher=None):
                tally.add(outcome)
                _show(out, outcome)
            out.write(f"\n{tally.line()}\n")
            again = Tally()
            async for outcome in ingest_items(rt.db, samples, fetcher=None):
                again.add(outcome)
            out.write(f"the same files again: {again.line()}\n")
            async with rt.db() as session:
                stored = await articles.count(session)
            out.write(f"articles in the database: {stored}\n")
            await cli_demo.show(out, rt.db)
        out.write(
            "\nNext: put a bot token in config.toml (see config.example.toml) and run "
            "`chaikhana run`.\n"
        )
    return 0 if tally.failed == 0 else 1


def _show(out: TextIO, outcome: Outcome) -> None:
    if outcome.article is None:
        out.write(f"✗ {outcome.error}\n")
        return
    a = outcome.article
    out.write(f"#{outcome.article_id} [{a.lang}/{a.script}] {a.title}\n")
    out.write(
        f"   countries: {', '.join(a.countries) or '-'}   topics: {', '.join(a.topics) or '-'}\n"
    )
    for event in a.events:
        dates = " .. ".join(d.isoformat() for d in (event.start, event.end) if d) or "dates ?"
        out.write(f"   event: {event.name} ({dates}, {event.place or 'place ?'})\n")
    if a.published:
        out.write(f"   published: {a.published.date().isoformat()}\n")
    out.write(f"   story: {outcome.story_id}\n   summary: {a.summary or '-'}\n\n")


def cmd_run(args: argparse.Namespace, cfg: Config) -> int:
    """Run the bot until it is stopped."""
    logs.redact_secret(cfg.require_token())
    reason = storage_db.read_only_reason(cfg.database.url)
    if reason is not None:  # the bot writes (subscribers, deliveries): say so before starting
        raise storage_db.DatabaseReadOnly(reason)
    # A service logs what it does, at the configured level, stamped, tracebacks kept.
    logs.use_service(level=cfg.logging.level, fmt=cfg.logging.format, verbose=args.verbose)
    from bot.app import run_bot  # PTB runs its own event loop, so this one stays synchronous

    return run_bot(cfg)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="chaikhana", description="Central Asian tech news: ingest, look up, serve."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = sub.add_parser("ingest", help="ingest files (.txt .html .jsonl .xml) or URLs")
    ingest.add_argument("items", nargs="+", metavar="PATH_OR_URL")
    ingest.add_argument("--json", action="store_true", help="one JSON object per article")
    ingest.add_argument("--country", help="default country hint (ISO code)")
    ingest.add_argument("--lang", help="language hint (ISO 639-1)")
    ingest.set_defaults(handler=cmd_ingest)

    src = sub.add_parser("sources", help="manage the feeds and sites we read")
    src_sub = src.add_subparsers(dest="action", required=True)
    add = src_sub.add_parser("add", help="add a feed or page")
    add.add_argument("url")
    add.add_argument("--kind", choices=["rss", "page"], default="rss")
    add.add_argument("--name")
    add.add_argument("--country")
    add.add_argument("--lang")
    add.add_argument(
        "--weight",
        type=_weight,
        default=1.0,
        help="how much digests trust it when ranking stories (0.1-10, default 1)",
    )
    listing = src_sub.add_parser("list", help="list sources and their health")
    listing.add_argument("--json", action="store_true")
    remove = src_sub.add_parser("remove", help="remove a source by id or URL")
    remove.add_argument("ref")
    fetch = src_sub.add_parser("fetch", help="poll the sources that are due")
    fetch.add_argument("--all", action="store_true", help="poll every source, due or not")
    cli_sources.add_parsers(src_sub)  # import FILE.opml | --starter, export
    src.set_defaults(handler=cmd_sources)

    database = sub.add_parser("db", help="database maintenance")
    db_sub = database.add_subparsers(dest="action", required=True)
    db_sub.add_parser("upgrade", help="migrate the schema to the newest revision")
    backup = db_sub.add_parser("backup", help="copy the live SQLite database to PATH")
    backup.add_argument("path", metavar="PATH", help="the copy's file (or a directory)")
    down = db_sub.add_parser("downgrade", help="revert the schema to REVISION (or base)")
    down.add_argument("revision", metavar="REVISION")
    database.set_defaults(handler=cmd_db)

    demo = sub.add_parser("demo", help="show what Chaikhana does, on bundled articles")
    demo.add_argument(
        "--keep", action="store_true", help="use the configured database, not a scratch one"
    )
    demo.set_defaults(handler=cmd_demo)

    state = sub.add_parser("status", help="sources, outbox and a running bot's figures")
    state.set_defaults(handler=cmd_status)
    probe = sub.add_parser("health", help="exit 0 when the running bot is ready (or --live)")
    probe.add_argument("--live", action="store_true", help="only check that the process lives")
    probe.set_defaults(handler=cmd_health)

    run = sub.add_parser("run", help="run the Telegram bot")
    run.set_defaults(handler=cmd_run)
    cli_lookups.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one `chaikhana` command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure(verbose=args.verbose)
    try:
        cfg = load_config()
        handler: Callable[[argparse.Namespace, Config], Any] = args.handler
        result = handler(args, cfg)
        return asyncio.run(result) if inspect.iscoroutine(result) else int(result)
    except ConfigError as exc:
        print(f"chaikhana: config: {exc}", file=sys.stderr)
        return 2
    except storage_db.DatabaseUnwritable as exc:  # read-only, a full disk: said once
        print(f"chaikhana: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("chaikhana: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`chaikhana latest | head`): nothing left to say to it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        logger.debug("command failed", exc_info=True)
        print(f"chaikhana: error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
