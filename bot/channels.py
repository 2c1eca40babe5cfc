"""Channels the bot broadcasts to: check it may post there, and set up those in the config."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, ChatMemberAdministrator, ChatMemberOwner
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.config import ChannelConfig
from storage import subscriptions

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChannelCheck:
    """Whether the bot may post in a channel, and if not, what to fix (a problem key)."""

    ref: str
    chat_id: int | None = None
    title: str | None = None
    problem: str | None = None  # not_found | not_channel | not_admin | cannot_post

    @property
    def ok(self) -> bool:
        return self.problem is None


async def check(bot: Bot, ref: str | int) -> ChannelCheck:
    """Find a channel by @name or id and check the bot is an admin that may post there."""
    name = str(ref)
    try:
        chat = await bot.get_chat(ref)
    except (BadRequest, Forbidden):
        return ChannelCheck(name, problem="not_found")
    if chat.type != ChatType.CHANNEL:
        return ChannelCheck(name, chat.id, chat.title, problem="not_channel")
    try:
        member = await bot.get_chat_member(chat.id, bot.id)
    except (BadRequest, Forbidden):
        return ChannelCheck(name, chat.id, chat.title, problem="not_admin")
    if isinstance(member, ChatMemberOwner):
        return ChannelCheck(name, chat.id, chat.title)
    if not isinstance(member, ChatMemberAdministrator):
        return ChannelCheck(name, chat.id, chat.title, problem="not_admin")
    if not member.can_post_messages:
        return ChannelCheck(name, chat.id, chat.title, problem="cannot_post")
    return ChannelCheck(name, chat.id, chat.title)


async def sync_configured(
    bot: Bot,
    db: async_sessionmaker[AsyncSession],
    configured: Sequence[ChannelConfig],
    now: datetime,
) -> int:
    """Subscribe the channels listed in the config; log what to fix for the others."""
    ready = 0
    for channel in configured:
        ref: str | int = int(channel.chat) if channel.chat.lstrip("-").isdigit() else channel.chat
        try:
            found = await check(bot, ref)
        except TelegramError as exc:
            logger.warning("channels: %s: cannot check it now: %s", channel.chat, exc)
            continue
        if not found.ok or found.chat_id is None:
            logger.warning(
                "channels: %s: %s — add the bot to the channel as an admin that may post",
                channel.chat,
                found.problem,
            )
            continue
        async with db() as session, session.begin():
            await subscriptions.save(
                session,
                chat_id=found.chat_id,
                chat_type="channel",
                title=found.title,
                ui_lang=channel.lang,
                now=now,
                countries=tuple(channel.countries),
                topics=tuple(channel.topics),
                include=tuple(channel.include),
                exclude=tuple(channel.exclude),
                cadence=channel.cadence,
                weekday=channel.weekday,
                time_of_day=channel.time,
                timezone=channel.timezone,
            )
        ready += 1
    logger.info("channels: %d of %d configured channels ready", ready, len(configured))
    return ready
