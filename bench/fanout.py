"""Measure a digest fan-out against the loopback Bot API server, within Telegram's limits.

    python bench/fanout.py                        # 10,000 subscribers: 30/s, then lifted to 1000/s
    python bench/fanout.py --subscribers 100000   # the same with 100,000
    python bench/fanout.py --limit 30 --runs 3    # one limit, median of three runs
    python bench/fanout.py --via direct           # no database: Bot + FloodLimiter to N chats
    python bench/fanout.py --limiter aio          # PTB's AIORateLimiter instead, to compare
    python bench/fanout.py --runs 3 --compare DIR # and another checkout's sender, round by round
    python bench/fanout.py --limit 1000 --pyspy stacks.txt   # py-spy samples of the sending

What runs where (every measurement in fresh processes, so each gets its own core and its
own peak memory):
- the Bot API server (tests/e2e/botapi.py, the one the e2e tests use: it enforces 30/s
  overall, 1/s per private chat, 20/min per group and answers 429 when one breaks) runs in
  a child process (``--role server``) with the N chats registered; with the limit lifted
  it allows 1000/s (Telegram's paid broadcasts);
- a database is built once per size (``--role build``): N subscribers in a few dozen
  filter groups (countries x topics x reader language), all due now, and fresh news;
- the sender (``--role send``) is the bot's own path: ``bot.services.digests.plan_due``
  plans the fan-out (one composition per distinct filter, language and window, timed) and
  ``bot.delivery.Sender`` sends from the outbox through PTB's ExtBot with
  ``bot.ratelimit.FloodLimiter`` (overall = the limit). With ``--via direct`` the sender
  skips the database and sends one message to each chat with a pool of tasks instead.

Sending runs for at most ``--seconds`` (20) and stops by itself. Reported: messages the
server accepted and the span they took (the sustained rate, and its ratio to the limit),
the busiest second the server saw, the 429s it answered, planning time per composition,
and the sender's peak RSS (``ru_maxrss``; the server's is printed apart).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")  # as bot/app.py: RetryAfter.retry_after is a timedelta

FIRST_CHAT = 1_000_000  # chat ids FIRST_CHAT .. FIRST_CHAT + N - 1, all private chats
TOKEN = "123456:BENCH-token"
COUNTRIES = ("kz", "uz", "kg", "tj", "tm")
ZONES = {
    "kz": "Asia/Almaty",
    "uz": "Asia/Tashkent",
    "kg": "Asia/Bishkek",
    "tj": "Asia/Dushanbe",
    "tm": "Asia/Ashgabat",
}
TOPICS = ("ai", "fintech", "startups", "egov", "crypto", "telecom")
LANGS = ("ru", "en", "uz")
# 12 filters x 3 reader languages = 36 filter groups ("a few dozen").
FILTERS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("kz",), ()),
    (("uz",), ()),
    (("kg",), ()),
    (("tj",), ()),
    (("tm",), ()),
    ((), ("ai",)),
    ((), ("fintech", "startups")),
    (("kz", "uz"), ()),
    (("kz",), ("ai", "egov")),
    (("uz",), ("fintech",)),
    ((), ()),
    (("kg", "tj"), ("telecom", "crypto")),
)


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sys_s() -> float:
    """CPU time this process has spent in the kernel so far (system calls), in seconds."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


def cpu_s() -> float:
    """CPU time (user and system) this process has used so far, in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---- the server process ------------------------------------------------------------------


def serve(chats: int, overall: int) -> None:
    """Run the loopback Bot API server with ``chats`` private chats; answer on stdin/stdout."""
    from tests.e2e.botapi import JSON, BotAPIServer, Limits

    class CountingServer(BotAPIServer):
        """The e2e server, keeping counts instead of every call and message."""

        def __init__(self) -> None:
            super().__init__(TOKEN, limits=Limits(overall_per_second=overall))
            self.per_chat: Counter[int] = Counter()
            self.accepted = 0
            self.first = self.last = 0.0
            self.busiest = 0

        async def _dispatch(self, path: str, params: JSON) -> tuple[int, JSON]:
            answer = await super()._dispatch(path, params)
            self.calls.clear()  # 100,000 recorded calls would only measure the recorder
            return answer

        def _m_sendMessage(self, params: JSON) -> JSON:
            raw = super()._m_sendMessage(params)
            chat_id = raw["chat"]["id"]
            del self.messages[(chat_id, raw["message_id"])]
            now = time.monotonic()
            self.per_chat[chat_id] += 1
            self.accepted += 1
            self.first = self.first or now
            self.last = now
            self.busiest = max(self.busiest, len(self._sent_all))
            return raw

        def stats(self) -> dict[str, Any]:
            return {
                "accepted": self.accepted,
                "span": self.last - self.first,
                "busiest_second": self.busiest,
                "flood_429s": self.flood_429s,
                "chats_reached": len(self.per_chat),
                "most_in_one_chat": max(self.per_chat.values(), default=0),
                "server_rss_mb": rss_mb(),
                "server_cpu_s": cpu_s(),
            }

    async def main() -> None:
        server = CountingServer()
        for n in range(chats):
            server.add_chat(server.private_chat(FIRST_CHAT + n))
        await server.start()
        loop = asyncio.get_running_loop()
        done = asyncio.Event()

        def read_commands() -> None:  # stdin is read in a thread; answers come from the loop
            for line in sys.stdin:
                if line.strip() == "stats":
                    loop.call_soon_threadsafe(lambda: print(json.dumps(server.stats()), flush=True))
            loop.call_soon_threadsafe(done.set)

        threading.Thread(target=read_commands, daemon=True).start()
        print(json.dumps({"port": server.port}), flush=True)
        await done.wait()
        await server.stop()

    asyncio.run(main())


class ServerProcess:
    """The server child: started with its chats and limit, asked for stats, stopped."""

    def __init__(self, chats: int, overall: int) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--role",
                "server",
                "--subscribers",
                str(chats),
                "--limit",
                str(overall),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.port = json.loads(self.proc.stdout.readline())["port"]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def stats(self) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---- the database ------------------------------------------------------------------------


async def build(path: Path, subscribers: int) -> None:
    """Create a SQLite database: fresh news and ``subscribers`` subscriptions due now."""
    from sqlalchemy import insert, select

    from storage import articles, models
    from storage import db as storage_db
    from tests.e2e.data import synthetic

    engine = storage_db.make_engine(f"sqlite:///{path}")
    await storage_db.upgrade(engine)
    db = storage_db.make_sessionmaker(engine)
    published = datetime.now(UTC) - timedelta(hours=2)
    async with db() as session, session.begin():
        n = 0
        for country in COUNTRIES:
            for topic in TOPICS:
                for i in range(3):  # 90 stories, each told in English and in Russian
                    n += 1
                    title = f"{country.upper()} {topic} news {i}: a company does a thing"
                    first = await articles.add(
                        session,
                        synthetic(
                            n,
                            title=title,
                            countries=(country,),
                            topics=(topic,),
                            published=published + timedelta(minutes=n),
                        ),
                        source_id=None,
                        story_id=None,
                    )
                    await articles.add(
                        session,
                        synthetic(
                            10_000 + n,
                            title=f"{country.upper()} {topic}: новость {i}",
                            lang="ru",
                            script="Cyrl",
                            countries=(country,),
                            topics=(topic,),
                            published=published + timedelta(minutes=n),
                            source="Russian News",
                        ),
                        source_id=None,
                        story_id=first.story_id,
                    )
    due = datetime.now(UTC) - timedelta(minutes=1)
    groups = [(f, lang) for f in FILTERS for lang in LANGS]
    chunk = 5000
    for start in range(0, subscribers, chunk):
        rows = range(start, min(subscribers, start + chunk))
        async with db() as session, session.begin():
            await session.execute(
                insert(models.Subscriber),
                [
                    {
                        "chat_id": FIRST_CHAT + n,
                        "chat_type": "private",
                        "title": None,
                        "ui_lang": groups[n % len(groups)][1],
                        "timezone": _zone(groups[n % len(groups)][0]),
                        "active": True,
                    }
                    for n in rows
                ],
            )
            found = await session.execute(
                select(models.Subscriber.chat_id, models.Subscriber.id).where(
                    models.Subscriber.chat_id >= FIRST_CHAT + rows[0]
                )
            )
            ids = {chat_id: id_ for chat_id, id_ in found}
            await session.execute(
                insert(models.Subscription),
                [
                    {
                        "subscriber_id": ids[FIRST_CHAT + n],
                        "countries": list(groups[n % len(groups)][0][0]),
                        "topics": list(groups[n % len(groups)][0][1]),
                        "keywords_include": [],
                        "keywords_exclude": [],
                        "cadence": "daily",
                        "time_of_day": "08:00",
                        "timezone": _zone(groups[n % len(groups)][0]),
                        "paused": False,
                        "digest_size": 10,
                        "next_due_at": due,
                    }
                    for n in rows
                ],
            )
    await engine.dispose()


def _zone(flt: tuple[tuple[str, ...], tuple[str, ...]]) -> str:
    countries = flt[0]
    return ZONES[countries[0]] if countries else "Asia/Almaty"


# ---- the sender process ------------------------------------------------------------------


def make_bot(base_url: str, limit: int, limiter_kind: str, pool: int, request_kind: str) -> Any:
    """Return PTB's ExtBot with the rate limiter under test."""
    from telegram import LinkPreviewOptions
    from telegram.constants import ParseMode
    from telegram.ext import AIORateLimiter, Defaults, ExtBot
    from telegram.request import HTTPXRequest

    from bot.ratelimit import FloodLimiter
    from bot.request import JSONRequest

    limiter: Any = (
        FloodLimiter(overall=limit, max_retries=3, max_in_flight=pool)
        if limiter_kind == "flood"
        else AIORateLimiter(overall_max_rate=limit, max_retries=3)
    )
    kinds = {"json": JSONRequest, "form": HTTPXRequest}
    request = kinds[request_kind](
        connection_pool_size=pool, read_timeout=10.0, connect_timeout=5.0, pool_timeout=30.0
    )
    return ExtBot(
        TOKEN,
        base_url=base_url,
        request=request,
        rate_limiter=limiter,
        defaults=Defaults(
            parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
        ),
    )


async def send_direct(args: argparse.Namespace, base_url: str) -> dict[str, Any]:
    """Send one message to each chat with a pool of tasks (no database)."""
    bot = make_bot(base_url, args.limit, args.limiter, args.pool, args.request)
    chats = iter(range(FIRST_CHAT, FIRST_CHAT + args.subscribers))
    sent = failed = 0
    deadline = time.monotonic() + args.seconds
    async with bot:
        started = time.monotonic()

        async def worker() -> None:
            nonlocal sent, failed
            for chat_id in chats:
                if time.monotonic() >= deadline:
                    return
                try:
                    await bot.send_message(chat_id, "<b>Digest</b>\nOne story, then another.")
                    sent += 1
                except Exception:
                    failed += 1

        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        elapsed = time.monotonic() - started
    return {"sent": sent, "failed": failed, "elapsed": elapsed}


async def send_outbox(args: argparse.Namespace, base_url: str) -> dict[str, Any]:
    """Plan the fan-out with the bot's planner, then send it with the bot's outbox Sender."""
    from bot.config import DeliveryConfig, DigestsConfig
    from bot.delivery import Sender
    from bot.services.digests import plan_due
    from storage import db as storage_db
    from storage import outbox

    engine = storage_db.make_engine(f"sqlite:///{args.database}")
    db = storage_db.make_sessionmaker(engine)
    offset = timedelta(minutes=2)  # the news was stored a moment ago; plan past the grace

    def clock() -> datetime:
        return datetime.now(UTC) + offset

    started = time.monotonic()
    plan = await plan_due(db, now=clock(), cfg=DigestsConfig())
    planning = time.monotonic() - started
    rss_planned = rss_mb()
    bot = make_bot(base_url, args.limit, args.limiter, args.pool, args.request)
    cfg = DeliveryConfig(rate=args.limit, concurrency=args.concurrency, batch=args.batch)
    async with bot:
        sender = Sender(db, bot, cfg, clock=clock, worker="bench")
        profile: Any = None
        if args.profile is not None and args.profile.suffix in (".txt", ".html"):
            from pyinstrument import Profiler  # sampling: little overhead, whole stacks

            profile = Profiler(interval=0.0005, async_mode="disabled")
            profile.start()
        elif args.pyspy is not None:
            # Sampled from outside, so the sender runs at full speed: only the sending.
            profile = subprocess.Popen(  # noqa: ASYNC220 (it only starts py-spy)
                [
                    str(Path(sys.executable).with_name("py-spy")),
                    "record",
                    "--nonblocking",
                    "--gil",  # only while holding the GIL: Python CPU, not a syscall
                    "-r",
                    "200",
                    "-f",
                    "raw",
                    "-o",
                    str(args.pyspy),
                    "--pid",
                    str(os.getpid()),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            await asyncio.sleep(1.0)  # py-spy attaches
        elif args.profile is not None:
            import cProfile

            profile = cProfile.Profile(time.process_time)  # CPU, not waiting
            profile.enable()
        started, cpu_started, sys_started = time.monotonic(), cpu_s(), sys_s()
        run = asyncio.ensure_future(sender.run())
        done, _ = await asyncio.wait({run}, timeout=args.seconds)
        if not done:
            sender.stop()  # finish what is in flight, claim nothing more
        report = await run
        elapsed, send_cpu = time.monotonic() - started, cpu_s() - cpu_started
        send_sys = sys_s() - sys_started
        if args.profile is not None and args.profile.suffix in (".txt", ".html"):
            profile.stop()
            text = (
                profile.output_html()
                if args.profile.suffix == ".html"
                else profile.output_text(unicode=True, show_all=False)
            )
            args.profile.write_text(text)
        elif args.pyspy is not None:
            profile.send_signal(signal.SIGINT)
            profile.wait()
        elif profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
    async with db() as session:
        counts = await outbox.counts(session)
    await engine.dispose()
    return {
        "due": plan.due,
        "planned": plan.planned,
        "skipped": plan.skipped,
        "compositions": plan.compositions,
        "digests": plan.digests,
        "planning": planning,
        "per_composition": planning / max(1, plan.compositions),
        "rss_after_planning_mb": rss_planned,
        "sent": report.sent,
        "messages": report.messages,
        "retried": report.retried,
        "failed": report.failed,
        "errors": report.errors[:3],
        "elapsed": elapsed,
        "send_cpu_s": send_cpu,
        "send_cpu_ms_per_message": 1000 * send_cpu / max(1, report.messages),
        "send_sys_ms_per_message": 1000 * send_sys / max(1, report.messages),
        "outbox": counts,
    }


def send(args: argparse.Namespace) -> None:
    """The sender child: measure, print one JSON line."""
    base_url = args.base_url
    coro = send_outbox(args, base_url) if args.via == "outbox" else send_direct(args, base_url)
    result = asyncio.run(coro)
    result["sender_rss_mb"] = rss_mb()
    result["sender_cpu_s"] = cpu_s()
    print(json.dumps(result), flush=True)


# ---- the orchestrator --------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """A sender to measure: whose code (None: this checkout's) and which request layer."""

    name: str
    code: Path | None
    request: str


def one_run(
    args: argparse.Namespace, limit: int, template: Path | None, variant: Variant
) -> dict[str, Any]:
    """Start a server and a sender for one limit; return what both measured."""
    server = ServerProcess(args.subscribers, limit)
    workdir = Path(tempfile.mkdtemp(prefix="fanout-"))
    try:
        cmd = [
            sys.executable,
            __file__,
            "--role",
            "send",
            "--base-url",
            server.base_url,
            "--limit",
            str(limit),
            "--subscribers",
            str(args.subscribers),
            "--seconds",
            str(args.seconds),
            "--via",
            args.via,
            "--limiter",
            args.limiter,
            "--request",
            variant.request,
            "--concurrency",
            str(args.concurrency or (64 if limit <= 30 else 256)),
            "--batch",
            str(args.batch),
            "--pool",
            str(args.pool),
        ]
        if args.profile is not None:
            cmd += ["--profile", str(args.profile)]
        if template is not None:
            database = workdir / "fanout.sqlite"
            shutil.copy(template, database)
            cmd += ["--database", str(database)]
        if args.pyspy is not None:
            cmd += ["--pyspy", str(args.pyspy)]
        if variant.code is not None:
            cmd += ["--code", str(variant.code)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"the sender failed ({out.returncode}):\n{out.stderr[-3000:]}")
        last = [line for line in out.stdout.splitlines() if line.startswith("{")][-1]
        result = dict(json.loads(last))
        result.update(server.stats())
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    result["rate"] = (result["accepted"] - 1) / result["span"] if result["span"] > 0 else 0.0
    result["ratio"] = result["rate"] / limit
    return result


def orchestrate(args: argparse.Namespace) -> None:
    limits = [args.limit] if args.limit else [30, 1000]
    template: Path | None = None
    tmp = Path(tempfile.mkdtemp(prefix="fanout-template-"))
    try:
        if args.via == "outbox":
            template = tmp / "template.sqlite"
            started = time.monotonic()
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--role",
                    "build",
                    "--database",
                    str(template),
                    "--subscribers",
                    str(args.subscribers),
                ],
                check=True,
            )
            print(f"built {args.subscribers:,} subscribers in {time.monotonic() - started:.1f} s")
        variants = [Variant("this", None, args.request)]
        if args.compare is not None:  # the other code first, then this, round after round
            variants.insert(0, Variant("compared", args.compare, args.compare_request))
        for limit in limits:
            rounds: dict[str, list[dict[str, Any]]] = {v.name: [] for v in variants}
            for n in range(1, args.runs + 1):
                for variant in variants:
                    r = one_run(args, limit, template, variant)
                    rounds[variant.name].append(r)
                    print(f"limit {limit}/s {variant.name} run {n}: " + json.dumps(_rounded(r)))
            for variant in variants:
                _summary(args, limit, variant, rounds[variant.name])
            if args.compare is not None:
                cpu = [
                    a["send_cpu_ms_per_message"] / b["send_cpu_ms_per_message"]
                    for a, b in zip(rounds["this"], rounds["compared"], strict=True)
                ]
                rate = [
                    a["rate"] / b["rate"]
                    for a, b in zip(rounds["this"], rounds["compared"], strict=True)
                ]
                print(
                    f"limit {limit}/s this / compared, round by round: sender CPU per message "
                    f"{' '.join(f'{x:.2f}' for x in cpu)} (median {statistics.median(cpu):.2f}), "
                    f"msg/s {' '.join(f'{x:.2f}' for x in rate)} "
                    f"(median {statistics.median(rate):.2f})"
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _summary(
    args: argparse.Namespace, limit: int, variant: Variant, runs: list[dict[str, Any]]
) -> None:
    """Print the medians of one variant's runs at one limit."""
    med = {k: statistics.median(r[k] for r in runs) for k in _NUMBERS if k in runs[0]}
    print(
        f"limit {limit}/s {variant.name} ({variant.code or 'this checkout'}) via "
        f"{args.via}, {args.limiter} limiter, {variant.request} "
        f"requests, {args.subscribers:,} "
        f"chats, median of {args.runs}: {med['rate']:.1f} msg/s = {med['ratio']:.3f} "
        f"of the limit ({med['accepted']:.0f} messages in {med['span']:.1f} s), "
        f"busiest second {med['busiest_second']:.0f}, 429s {med['flood_429s']:.0f}, "
        f"sender CPU {med['send_cpu_ms_per_message']:.2f} ms per message sent "
        f"({med['send_sys_ms_per_message']:.2f} in the kernel), "
        f"sender peak RSS {med['sender_rss_mb']:.0f} MB"
        + (
            f", planning {med['planning']:.2f} s ({med['compositions']:.0f} "
            f"compositions and {args.subscribers:,} deliveries written: "
            f"{1000 * med['per_composition']:.0f} ms per composition, all told)"
            if "planning" in med
            else ""
        )
    )


_NUMBERS = (
    "rate",
    "ratio",
    "accepted",
    "span",
    "busiest_second",
    "flood_429s",
    "sender_rss_mb",
    "send_cpu_ms_per_message",
    "send_sys_ms_per_message",
    "planning",
    "compositions",
    "per_composition",
)


def _rounded(result: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=0, help="one limit (default: 30 and 1000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="sending stops after this")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--via", choices=("outbox", "direct"), default="outbox")
    parser.add_argument("--limiter", choices=("flood", "aio"), default="flood")
    parser.add_argument(
        "--request",
        choices=("json", "form"),
        default="json",
        help="json: the bot's (httpx with JSON bodies); form: PTB's urlencoded httpx",
    )
    parser.add_argument("--concurrency", type=int, default=0, help="default 64, 256 lifted")
    parser.add_argument("--batch", type=int, default=1000, help="deliveries claimed at once")
    # On loopback a few connections carry 1000/s; httpcore's pool checks every connection
    # for every request, so a big pool costs CPU per message (256: ~15% fewer messages/s).
    # FloodLimiter's max_in_flight is set to it, so no request queues inside the pool.
    parser.add_argument("--pool", type=int, default=8, help="HTTP connections to the server")
    parser.add_argument(
        "--profile", type=Path, help="write the sender's cProfile stats of sending to this file"
    )
    parser.add_argument(
        "--pyspy", type=Path, help="sample the sender with py-spy into this file (collapsed)"
    )
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="DIR",
        help="also measure the sender of another checkout (e.g. `git archive main`), "
        "alternating with this one round by round",
    )
    parser.add_argument(
        "--compare-request", default="json", help="the request layer of --compare (json)"
    )
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)  # the sender's checkout
    parser.add_argument("--role", choices=("run", "server", "build", "send"), default="run")
    parser.add_argument("--database", type=Path)
    parser.add_argument("--base-url")
    args = parser.parse_args()
    if args.code is not None:  # the sender imports bot/ and storage/ from that checkout
        sys.path.insert(0, str(args.code.resolve()))
    if args.role == "server":
        serve(args.subscribers, args.limit)
    elif args.role == "build":
        asyncio.run(build(args.database, args.subscribers))
    elif args.role == "send":
        send(args)
    else:
        orchestrate(args)


if __name__ == "__main__":
    main()
