"""The composition root: build the Application, open and close its resources, run it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot import channels, handlers, i18n, jobs, metrics, reminder_jobs, render
from bot.budget import SharedBudget
from bot.config import Config, fetch_policy
from bot.context import BotData, ChaikhanaContext, ChatData
from bot.delivery import Sender
from bot.health import HealthServer, Readiness
from bot.ratelimit import FloodLimiter
from bot.request import JSONRequest
from bot.updates import PerChatUpdateProcessor
from digests.sources.http import Fetcher, make_client
from digests.sources.workers import WorkerPool
from storage import db as storage_db

logger = logging.getLogger(__name__)

# Exit status of `chaikhana run` when the Bot API refuses the token (401): a supervisor
# (compose, systemd) restarts the bot, which is what a replaced token needs.
EXIT_TOKEN_REFUSED = 3

# PTB 22 warns on every RetryAfter unless retry_after is opted in as a timedelta; we never
# read it as an int, so opt in (the rate limiter reads the timedelta itself).
os.environ.setdefault("PTB_TIMEDELTA", "1")
# APScheduler logs every run of every job at INFO: the plan and send jobs run every few
# seconds, so only its warnings are worth a line.
logging.getLogger("apscheduler").setLevel(logging.WARNING)


def build_application(  # type: ignore[type-arg]
    cfg: Config,
    *,
    engine: AsyncEngine | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Application:
    """Build the bot: token, Bot API server, typed context, rate limiter, handlers, jobs."""
    tg = cfg.telegram
    context_types = ContextTypes(context=ChaikhanaContext, chat_data=ChatData, bot_data=BotData)

    def refused() -> None:
        data: BotData = app.bot_data  # bound by the time a request is answered
        if not data.token_refused:
            logger.error(
                "the Bot API refused telegram.token (401 Unauthorized): it was revoked or "
                "replaced; the bot exits with status %d for its supervisor to restart it",
                EXIT_TOKEN_REFUSED,
            )
        data.token_refused = True
        if data.sender is not None:
            data.sender.stop()
        if data.stop is not None:
            data.stop.set()

    app = (
        ApplicationBuilder()
        .token(cfg.require_token())
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .context_types(context_types)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(
            FloodLimiter(
                overall=cfg.delivery.rate,
                max_retries=tg.max_retries,
                shared=_shared_budget(cfg),
            )
        )
        # JSON bodies: a urlencoded digest cost more CPU than anything else in a fan-out.
        # A connection for each delivery in flight, and a few for replies beside them.
        .request(
            JSONRequest(
                connection_pool_size=cfg.delivery.concurrency + 8,
                connect_timeout=tg.connect_timeout,
                read_timeout=tg.read_timeout,
                on_unauthorized=refused,
            )
        )
        .get_updates_request(
            JSONRequest(
                connection_pool_size=1,
                connect_timeout=tg.connect_timeout,
                read_timeout=tg.read_timeout,
                on_unauthorized=refused,
            )
        )
        # Chats at once, each in order: nobody waits behind another chat's replies.
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(_start)
        .post_shutdown(_stop)
        .build()
    )
    data: BotData = app.bot_data
    data.cfg = cfg
    data.engine = engine
    if clock is not None:
        data.clock = clock
    handlers.register(app)
    if cfg.metrics.enabled:
        metrics.instrument(app)
        data.readiness = Readiness(db_every=cfg.metrics.refresh, jobs=_watched_jobs(cfg))
    jobs.schedule(app)
    reminder_jobs.schedule(app)  # event reminders, through the same outbox
    return app


def _shared_budget(cfg: Config) -> SharedBudget | None:
    """Return the budget every instance of this bot shares, when one is configured."""
    if not cfg.delivery.shared_budget:
        return None
    bot_id = cfg.require_token().split(":", 1)[0]  # the bot's id: never the secret part
    return SharedBudget(
        cfg.delivery.shared_budget, limit=int(cfg.delivery.rate), key=f"bot{bot_id}"
    )


def _watched_jobs(cfg: Config) -> dict[str, float]:
    """Return the jobs /readyz expects to run, with their intervals."""
    watched = {"plan-digests": cfg.digests.plan_interval}
    if cfg.ingest.poll:
        watched["poll-sources"] = float(cfg.ingest.interval)
    return watched


async def _start(app: Application) -> None:  # type: ignore[type-arg]
    """Open the database and publish the command menu in every UI language."""
    data: BotData = app.bot_data
    assert data.cfg is not None
    if data.engine is None:
        data.engine = storage_db.make_engine(data.cfg.database.url, echo=data.cfg.database.echo)
        data.owns_engine = True
        await storage_db.upgrade(data.engine)
    data.sessionmaker = storage_db.make_sessionmaker(data.engine)
    data.sender = Sender(data.sessionmaker, app.bot, data.cfg.delivery, clock=data.clock)
    if data.cfg.ingest.poll:
        policy = fetch_policy(data.cfg)
        data.http = make_client(policy)
        data.fetcher = Fetcher(data.http, policy)
        # started aside: the bot does not wait for its workers (the first polls read here)
        data.pool_starting = asyncio.ensure_future(_start_pool(data))
    for lang in i18n.SUPPORTED:
        if (menu_lang := i18n.menu_language(lang)) is None:
            continue
        menu = [BotCommand(name, text) for name, text in render.commands(lang)]
        await app.bot.set_my_commands(menu, language_code=menu_lang)
    await app.bot.set_my_commands(
        [BotCommand(name, text) for name, text in render.commands(i18n.DEFAULT)]
    )
    if data.readiness is not None and data.health is None:
        data.health = _serve_health(data.readiness, data.cfg)
    if data.cfg.channels:
        await channels.sync_configured(app.bot, data.sessionmaker, data.cfg.channels, data.now())
    logger.info("bot @%s started", app.bot.username)


async def _start_pool(data: BotData) -> None:
    """Start the poll job's worker processes (their forkserver imports for seconds)."""
    assert data.cfg is not None
    try:
        data.pool = await asyncio.to_thread(WorkerPool, data.cfg.ingest.workers or None)
    except Exception:  # no workers: the poll job reads in this process, as it can
        logger.warning(
            "worker processes not started; pages are read in this process", exc_info=True
        )


async def _stop(app: Application) -> None:  # type: ignore[type-arg]
    """Close the HTTP client, and the database if the application opened it."""
    data: BotData = app.bot_data
    if data.health is not None:
        data.health.stop()
        data.health = None
    if data.http is not None:
        await data.http.aclose()
        data.http, data.fetcher = None, None
    if data.pool_starting is not None:
        with contextlib.suppress(Exception):
            await data.pool_starting
        data.pool_starting = None
    if data.pool is not None:
        await asyncio.to_thread(data.pool.close)
        data.pool = None
    if data.engine is not None and data.owns_engine:
        await data.engine.dispose()
        data.engine = None
    data.sessionmaker = None


def _serve_health(readiness: Readiness, cfg: Config) -> HealthServer | None:
    """Open the metrics port; a port that is taken is logged, and the bot runs on without it."""
    try:
        return HealthServer(readiness, cfg.metrics.listen, cfg.metrics.port).start()
    except OSError as exc:
        logger.error(
            "metrics: cannot listen on %s:%d (%s); set metrics.port to a free port",
            cfg.metrics.listen,
            cfg.metrics.port,
            exc.strerror or exc,
        )
        return None


@contextlib.asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Run the application (polling or webhook, per config) for the duration of the block."""
    data: BotData = app.bot_data
    assert data.cfg is not None and app.updater is not None
    tg = data.cfg.telegram
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        if tg.mode == "webhook":
            await app.updater.start_webhook(
                listen=tg.webhook_listen,
                port=tg.webhook_port,
                url_path="telegram",
                webhook_url=tg.webhook_url,
                secret_token=tg.webhook_secret or None,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await app.updater.start_polling(
                poll_interval=0.0, timeout=tg.poll_timeout, allowed_updates=Update.ALL_TYPES
            )
        await app.start()
        yield app
    finally:
        if data.sender is not None:
            data.sender.stop()  # finish the messages in flight, claim nothing more
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


async def run(cfg: Config) -> int:
    """Run the bot until SIGINT or SIGTERM, or the Bot API refuses the token; return the
    exit status."""
    if cfg.telegram.mode == "webhook" and not cfg.telegram.webhook_secret:
        logger.warning("telegram.webhook_secret is empty: anyone can post updates to the webhook")
    app = build_application(cfg)
    stop = asyncio.Event()
    data: BotData = app.bot_data
    data.stop = stop
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with running(app):
            if not data.token_refused:
                await stop.wait()
    except InvalidToken:
        if not data.token_refused:
            logger.error("the Bot API refused telegram.token: set the bot's current token")
        return EXIT_TOKEN_REFUSED
    if data.token_refused:
        return EXIT_TOKEN_REFUSED
    logger.info("bot stopped")
    return 0


def run_bot(cfg: Config) -> int:
    """Run the bot (``chaikhana run``): long polling, or a webhook when configured; return
    the exit status (3 when the Bot API refused the token)."""
    cfg.require_token()
    return asyncio.run(run(cfg))
