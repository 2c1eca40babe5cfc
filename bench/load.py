"""Measure chat replies under load: many people asking lookups at once, within Telegram's limits.

    python bench/load.py                      # 200 users x 3 lookups within 10 s, 30/s limit
    python bench/load.py --users 50 --spread 5

The bot is `chaikhana run` in its own process (so its CPU time is its own), configured
from the environment, against the loopback Bot API server (tests/e2e/botapi.py: real HTTP,
30 messages/s overall and 1/s per private chat enforced, 429 when one breaks), which runs
here with the driver. The database is a fresh SQLite file holding the e2e articles. Each
user sends three lookups (/latest, /country, /search, /topic, /event …) at random moments
within ``--spread`` seconds; a reply's latency runs from the moment its command was
pushed to the moment the server accepted the reply (a chat's replies answer its commands
in order). Reported: p50/p95/max of reply latency, p95/max of each user's first reply,
the replies' rate (msg/s, and its ratio to the limit), 429s, and the bot's CPU seconds
(user + system, from /proc) from the first command to the last reply.

The floor set by the limit: N replies at 30/s take N/30 s, so the last of 600 comes no
sooner than 20 s after the first command.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from storage.db import make_engine, make_sessionmaker, upgrade  # noqa: E402
from tests.e2e.botapi import BotAPIServer, Limits  # noqa: E402
from tests.e2e.data import seed  # noqa: E402

# `chaikhana run` from this checkout (PYTHONPATH), so the same script measures another one.
RUN = [sys.executable, "-m", "bot.cli", "run"]
FIRST_CHAT = 500_000
LOOKUPS = (
    "/latest",
    "/country kz",
    "/country Ўзбекистон",
    "/search Toshkent",
    "/search цифровизация",
    "/topic ai",
    "/events",
    "/country Қазақстан",
)
LANGS = ("ru", "uz", "kk", "ky", "tg", "en")


def cpu_seconds(pid: int) -> float:
    """Return a process's user + system CPU time from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    """Return the q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def build(path: Path) -> None:
    """Create the database and store the e2e articles in it."""
    engine = make_engine(f"sqlite:///{path}")
    await upgrade(engine)
    await seed(make_sessionmaker(engine))
    await engine.dispose()


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="chaikhana-load-"))
    db = tmp / "bot.db"
    await build(db)
    async with BotAPIServer(limits=Limits(overall_per_second=args.limit)) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHAIKHANA_")}
        env.update(
            CHAIKHANA_DATABASE__URL=f"sqlite:///{db}",
            CHAIKHANA_TELEGRAM__TOKEN=server.token,
            CHAIKHANA_TELEGRAM__BASE_URL=server.base_url,
            CHAIKHANA_TELEGRAM__BASE_FILE_URL=server.base_file_url,
            CHAIKHANA_TELEGRAM__POLL_TIMEOUT="1",
            CHAIKHANA_INGEST__POLL="false",
            CHAIKHANA_METRICS__PORT="0",
            CHAIKHANA_LOGGING__LEVEL="WARNING",
            CHAIKHANA_DELIVERY__RATE=str(args.limit),
            PYTHONPATH=str(ROOT),
        )
        bot = await asyncio.create_subprocess_exec(
            *RUN, env=env, cwd=tmp, stderr=asyncio.subprocess.PIPE
        )
        try:
            await server.wait_for(lambda c: c.method == "getUpdates", wait=120)
            rng = random.Random(args.seed)
            plan: list[tuple[float, int, str]] = []
            for n in range(args.users):
                chat_id = FIRST_CHAT + n
                server.add_chat(server.private_chat(chat_id))
                for _ in range(args.lookups):
                    plan.append((rng.uniform(0, args.spread), chat_id, rng.choice(LOOKUPS)))
            plan.sort()
            users = {
                chat_id: server.user(chat_id, LANGS[chat_id % len(LANGS)]) for _, chat_id, _ in plan
            }
            pushed: dict[int, list[float]] = {c: [] for c in users}
            mark = len(server.calls)
            cpu_before = cpu_seconds(bot.pid)
            started = time.monotonic()
            for at, chat_id, text in plan:
                delay = started + at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                pushed[chat_id].append(time.monotonic())
                server.push_text(server.private_chat(chat_id), users[chat_id], text)
            await server.wait_for(
                lambda c: c.method == "sendMessage" and c.ok,
                count=len(plan),
                wait=args.timeout,
                since=mark,
            )
            cpu = cpu_seconds(bot.pid) - cpu_before
        finally:
            bot.terminate()
            _, err = await bot.communicate()
    replies: dict[int, list[float]] = {c: [] for c in users}
    for call in server.calls[mark:]:
        if call.method == "sendMessage" and call.ok:
            replies[int(call.params["chat_id"])].append(call.at)
    latencies: list[float] = []
    firsts: list[float] = []
    for chat_id, times in pushed.items():
        answered = replies[chat_id][: len(times)]
        latencies += [r - p for p, r in zip(times, answered, strict=True)]
        firsts.append(answered[0] - times[0])
    every = sorted(t for ts in replies.values() for t in ts)
    span = every[-1] - every[0]
    rate = (len(every) - 1) / span if span > 0 else float("nan")
    # While replies queue for the budget (the 10th to the 90th percentile of them): the
    # ramp-up before a queue forms and the last users' own 1/s pace left out.
    lo, hi = every[len(every) // 10], every[len(every) * 9 // 10]
    busy = (len(every) * 8 // 10) / (hi - lo) if hi > lo else float("nan")
    print(
        f"{args.users} users x {args.lookups} lookups within {args.spread:g} s, "
        f"limit {args.limit}/s: {len(every)} replies"
    )
    print(
        f"reply latency  p50 {statistics.median(latencies):.2f} s  p95 {pct(latencies, 95):.2f} s"
        f"  max {max(latencies):.2f} s"
    )
    print(f"first replies  p95 {pct(firsts, 95):.2f} s  max {max(firsts):.2f} s")
    print(
        f"rate           {rate:.1f} msg/s first to last reply; {busy:.1f} msg/s "
        f"({busy / args.limit:.2f} of the limit) while they queue; 429s {server.flood_429s}"
    )
    print(f"bot CPU        {cpu:.1f} s over {every[-1] - started:.1f} s ({ROOT})")
    if bot.returncode not in (0, -15):
        print(err.decode()[-2000:], file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--lookups", type=int, default=3, help="lookups per user")
    parser.add_argument("--spread", type=float, default=10.0, help="seconds the lookups come in")
    parser.add_argument("--limit", type=int, default=30, help="messages/s the server allows")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=180.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
