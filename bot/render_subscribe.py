"""Render the subscription screens (/subscribe, /settings, /filter …) as Telegram HTML.

Every screen of the /subscribe flow is one message edited in place; its buttons carry
``sb:…`` callback data (at most 64 bytes). Anything a user typed (keywords, a time zone,
a channel name) is escaped here.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from babel.dates import get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import i18n
from bot.i18n import t
from bot.render import (
    CALLBACK_MAX,
    FOCUS_COUNTRIES,
    Reply,
    country_name,
    flag,
    shorten,
    split,
    topic_keys,
    topic_label,
)
from digests.schedule import COUNTRY_TIMEZONES
from storage.sources import SourceRecord
from storage.subscriptions import Stats, SubscriptionView

logger = logging.getLogger(__name__)

TIMES = ("07:00", "08:00", "08:30", "09:00", "12:00", "18:00")
SCREENS = ("countries", "topics", "cadence", "weekday", "time", "timezone", "confirm")
MAX_KEYWORD_SHOWN = 60
CHECK = "✅ "

# Where a reader of each language most likely lives: a shortcut subscription's default zone.
LANG_TIMEZONES = {
    "uz": "Asia/Tashkent",
    "kk": "Asia/Almaty",
    "ky": "Asia/Bishkek",
    "tg": "Asia/Dushanbe",
    "tk": "Asia/Ashgabat",
}
_POSIX_OFFSET = re.compile(r"^Etc/GMT(?P<sign>[+-])(?P<hours>\d{1,2})$")


def zone_label(zone: str) -> str:
    """Name a time zone as a reader writes it: Etc/GMT-5 (POSIX signs) is "UTC+5"."""
    found = _POSIX_OFFSET.match(zone)
    if found is None:
        return zone
    sign = "+" if found.group("sign") == "-" else "-"
    return f"UTC{sign}{int(found.group('hours'))}"


@dataclass(slots=True)
class Draft:
    """The /subscribe flow's choices so far, kept with the chat between button presses."""

    countries: list[str] = field(default_factory=list)  # empty: every country
    topics: list[str] = field(default_factory=list)  # empty: every topic
    cadence: str = "daily"
    weekday: int | None = None
    time_of_day: str = "09:00"
    timezone: str = ""  # empty: not chosen yet (the first country's zone, else UTC)
    thread_id: int | None = None  # the forum topic to post in
    topic_thread: int | None = None  # the forum topic the flow was opened in
    editing: bool = False  # opened from /settings: a screen's "Done" returns to the summary
    waiting: str | None = None  # "time" or "timezone": a typed answer is expected
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> Draft | None:
        """Rebuild a draft kept in ChatData (None when there is none or it is unreadable)."""
        if not data:
            return None
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError:
            return None

    def dump(self) -> dict[str, Any]:
        """Return the draft as a plain dict for ChatData."""
        return asdict(self)

    @classmethod
    def of(cls, view: SubscriptionView, *, topic_thread: int | None = None) -> Draft:
        """Start a draft from a stored subscription (to edit it)."""
        return cls(
            countries=list(view.countries),
            topics=list(view.topics),
            cadence=view.cadence,
            weekday=view.weekday,
            time_of_day=view.time_of_day,
            timezone=view.timezone,
            thread_id=view.thread_id,
            topic_thread=topic_thread if topic_thread is not None else view.thread_id,
            editing=True,
            include=list(view.include),
            exclude=list(view.exclude),
        )

    def zone(self) -> str:
        """Return the chosen time zone, else the first chosen country's, else UTC."""
        if self.timezone:
            return self.timezone
        for code in self.countries:
            if code in COUNTRY_TIMEZONES:
                return COUNTRY_TIMEZONES[code]
        return "UTC"

    def zones(self) -> list[str]:
        """Return the time zones to offer: the chosen countries', else the region's five."""
        chosen = [COUNTRY_TIMEZONES[c] for c in self.countries if c in COUNTRY_TIMEZONES]
        offered = chosen or list(COUNTRY_TIMEZONES.values())
        offered += [self.timezone, "UTC"] if self.timezone else ["UTC"]
        return list(dict.fromkeys(offered))


# ---- pieces -------------------------------------------------------------------------------


def plain(text: str) -> str:
    """Escape a UI sentence for Telegram HTML (apostrophes stay as they are)."""
    return html.escape(text, quote=False)


def weekday_name(day: int, lang: str) -> str:
    """Name a weekday (0 = Monday) in the reader's language, capitalised."""
    name = str(get_day_names("wide", locale=i18n.babel_locale(lang))[day])
    return name[:1].upper() + name[1:]


def _button(text: str, data: str) -> InlineKeyboardButton:
    if len(data.encode()) > CALLBACK_MAX:  # a guard: every sb: datum is short by design
        raise ValueError(f"callback data too long: {data!r}")
    return InlineKeyboardButton(text, callback_data=data)


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def countries_text(codes: Sequence[str], lang: str) -> str:
    """Name the chosen countries with flags, or say "all"."""
    if not codes:
        return plain(t(lang, "subscribe.all_countries"))
    return ", ".join(f"{flag(c)} {plain(country_name(c, lang))}".strip() for c in codes)


def topics_text(keys: Sequence[str], lang: str) -> str:
    """Name the chosen topics, or say "all"."""
    if not keys:
        return plain(t(lang, "subscribe.all_topics"))
    return ", ".join(plain(topic_label(k, lang)) for k in keys)


def keywords_text(include: Sequence[str], exclude: Sequence[str]) -> str:
    """Show keyword filters as the user writes them: +Astana Hub −crypto."""
    shown = [f"+{plain(shorten(k, MAX_KEYWORD_SHOWN))}" for k in include]
    shown += [f"−{plain(shorten(k, MAX_KEYWORD_SHOWN))}" for k in exclude]
    return " ".join(f"<code>{s}</code>" for s in shown)


def schedule_text(
    lang: str, cadence: str, weekday: int | None, time_of_day: str, timezone: str
) -> str:
    """Say when digests come: every day at 08:30 (Asia/Tashkent)."""
    if cadence == "instant":
        return plain(t(lang, "subscribe.when_instant"))
    if cadence == "weekly":
        day = weekday_name(weekday if weekday is not None else 0, lang)
        return plain(
            t(lang, "subscribe.when_weekly", weekday=day, time=time_of_day, tz=zone_label(timezone))
        )
    return plain(t(lang, "subscribe.when_daily", time=time_of_day, tz=zone_label(timezone)))


def _summary(
    lang: str,
    *,
    countries: Sequence[str],
    topics: Sequence[str],
    cadence: str,
    weekday: int | None,
    time_of_day: str,
    timezone: str,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    thread_id: int | None = None,
    paused: bool = False,
) -> str:
    lines = [
        f"{plain(t(lang, 'subscribe.label_countries'))}: {countries_text(countries, lang)}",
        f"{plain(t(lang, 'subscribe.label_topics'))}: {topics_text(topics, lang)}",
        f"{plain(t(lang, 'subscribe.label_when'))}: "
        f"{schedule_text(lang, cadence, weekday, time_of_day, timezone)}",
    ]
    if include or exclude:
        lines.append(
            f"{plain(t(lang, 'subscribe.label_keywords'))}: {keywords_text(include, exclude)}"
        )
    if thread_id is not None:
        lines.append(plain(t(lang, "subscribe.in_topic")))
    if paused:
        lines.append(f"⏸ {plain(t(lang, 'subscribe.paused_note'))}")
    return "\n".join(lines)


def draft_summary(draft: Draft, lang: str) -> str:
    """Describe the subscription a draft would make."""
    return _summary(
        lang,
        countries=draft.countries,
        topics=draft.topics,
        cadence=draft.cadence,
        weekday=draft.weekday,
        time_of_day=draft.time_of_day,
        timezone=draft.zone(),
        include=draft.include,
        exclude=draft.exclude,
        thread_id=draft.thread_id,
    )


def summary(view: SubscriptionView, lang: str) -> str:
    """Describe a stored subscription."""
    return _summary(
        lang,
        countries=view.countries,
        topics=view.topics,
        cadence=view.cadence,
        weekday=view.weekday,
        time_of_day=view.time_of_day,
        timezone=view.timezone,
        include=view.include,
        exclude=view.exclude,
        thread_id=view.thread_id,
        paused=view.paused,
    )


# ---- the flow's screens ------------------------------------------------------------------


def _nav(
    lang: str, back: str | None, forward: str | None, forward_key: str
) -> list[list[InlineKeyboardButton]]:
    row = []
    if back:
        row.append(_button(t(lang, "subscribe.back"), f"sb:go:{back}"))
    if forward:
        row.append(_button(t(lang, forward_key), f"sb:go:{forward}"))
    cancel = [_button(t(lang, "subscribe.cancel"), "sb:x")]
    return [row, cancel] if row else [cancel]


def _title(lang: str, step: str) -> str:
    step_name = plain(t(lang, f"subscribe.step_{step}"))
    return f"<b>{plain(t(lang, 'subscribe.title'))}</b> · {step_name}"


def screen(draft: Draft, name: str, lang: str) -> Reply:
    """Render one screen of the flow."""
    render = {
        "countries": _countries,
        "topics": _topics,
        "cadence": _cadence,
        "weekday": _weekday,
        "time": _time,
        "timezone": _timezone,
        "confirm": _confirm,
    }.get(name, _countries)
    return render(draft, lang)


_BEFORE = {"topics": "countries", "cadence": "topics", "weekday": "cadence", "timezone": "time"}


def previous(draft: Draft, name: str) -> str | None:
    """Return the screen before ``name`` (None for the first one)."""
    if name == "time":
        return "weekday" if draft.cadence == "weekly" else "cadence"
    if name == "confirm":
        return "cadence" if draft.cadence == "instant" else "timezone"
    return _BEFORE.get(name)


def _countries(draft: Draft, lang: str) -> Reply:
    buttons = [
        _button(
            (CHECK if c in draft.countries else "") + f"{flag(c)} {country_name(c, lang)}",
            f"sb:c:{c}",
        )
        for c in FOCUS_COUNTRIES
    ]
    every = (CHECK if not draft.countries else "") + "🌍 " + t(lang, "subscribe.all_countries")
    rows = [*_rows(buttons, 2), [_button(every, "sb:c:*")]]
    forward, key = ("confirm", "subscribe.done") if draft.editing else ("topics", "subscribe.next")
    rows += _nav(lang, None, forward, key)
    text = f"{_title(lang, 'countries')}\n\n{plain(t(lang, 'subscribe.ask_countries'))}"
    extra = [c for c in draft.countries if c not in FOCUS_COUNTRIES]
    if extra:
        text += f"\n{plain(t(lang, 'subscribe.also'))}: {countries_text(extra, lang)}"
    return Reply((text,), InlineKeyboardMarkup(rows))


def _topics(draft: Draft, lang: str) -> Reply:
    buttons = [
        _button((CHECK if k in draft.topics else "") + topic_label(k, lang), f"sb:t:{k}")
        for k in topic_keys()
    ]
    every = (CHECK if not draft.topics else "") + t(lang, "subscribe.all_topics")
    rows = [*_rows(buttons, 2), [_button(every, "sb:t:*")]]
    if draft.editing:
        rows += _nav(lang, None, "confirm", "subscribe.done")
    else:
        rows += _nav(lang, "countries", "cadence", "subscribe.next")
    text = f"{_title(lang, 'topics')}\n\n{plain(t(lang, 'subscribe.ask_topics'))}"
    return Reply((text,), InlineKeyboardMarkup(rows))


def _cadence(draft: Draft, lang: str) -> Reply:
    rows = [
        [
            _button(
                (CHECK if draft.cadence == cadence else "")
                + t(lang, f"subscribe.cadence_{cadence}"),
                f"sb:cad:{cadence}",
            )
        ]
        for cadence in ("daily", "weekly", "instant")
    ]
    rows += _nav(lang, None if draft.editing else "topics", None, "subscribe.next")
    text = f"{_title(lang, 'cadence')}\n\n{plain(t(lang, 'subscribe.ask_cadence'))}"
    return Reply((text,), InlineKeyboardMarkup(rows))


def _weekday(draft: Draft, lang: str) -> Reply:
    buttons = [
        _button((CHECK if draft.weekday == day else "") + weekday_name(day, lang), f"sb:wd:{day}")
        for day in range(7)
    ]
    rows = [*_rows(buttons, 2), *_nav(lang, "cadence", None, "subscribe.next")]
    text = f"{_title(lang, 'weekday')}\n\n{plain(t(lang, 'subscribe.ask_weekday'))}"
    return Reply((text,), InlineKeyboardMarkup(rows))


def _time(draft: Draft, lang: str) -> Reply:
    buttons = [
        _button(
            (CHECK if draft.time_of_day == hhmm else "") + hhmm, f"sb:tm:{hhmm.replace(':', '')}"
        )
        for hhmm in TIMES
    ]
    rows = [*_rows(buttons, 3), [_button(t(lang, "subscribe.type_other"), "sb:tm:ask")]]
    rows += _nav(lang, previous(draft, "time"), None, "subscribe.next")
    text = f"{_title(lang, 'time')}\n\n{plain(t(lang, 'subscribe.ask_time'))}"
    if draft.time_of_day not in TIMES:
        text += f"\n{plain(t(lang, 'subscribe.chosen', value=draft.time_of_day))}"
    return Reply((text,), InlineKeyboardMarkup(rows))


def _timezone(draft: Draft, lang: str) -> Reply:
    chosen = draft.zone()
    buttons = [
        _button((CHECK if z == chosen else "") + zone_label(z), f"sb:tz:{z}") for z in draft.zones()
    ]
    rows = [*_rows(buttons, 2), [_button(t(lang, "subscribe.type_other"), "sb:tz:ask")]]
    rows += _nav(lang, "time", None, "subscribe.next")
    text = f"{_title(lang, 'timezone')}\n\n{plain(t(lang, 'subscribe.ask_timezone'))}"
    return Reply((text,), InlineKeyboardMarkup(rows))


def _confirm(draft: Draft, lang: str) -> Reply:
    text = (
        f"{_title(lang, 'confirm')}\n\n{draft_summary(draft, lang)}\n\n"
        f"{plain(t(lang, 'subscribe.ask_confirm'))}"
    )
    rows: list[list[InlineKeyboardButton]] = []
    if draft.topic_thread is not None:
        here = draft.thread_id is not None
        rows.append([_button((CHECK if here else "") + t(lang, "subscribe.post_here"), "sb:thr")])
    rows.append(
        [_button(t(lang, "subscribe.save" if draft.editing else "subscribe.confirm"), "sb:ok")]
    )
    rows += _nav(
        lang, None if draft.editing else previous(draft, "confirm"), None, "subscribe.next"
    )
    return Reply((text,), InlineKeyboardMarkup(rows))


def ask_typed(draft: Draft, lang: str) -> Reply:
    """Ask for a typed time or time zone (the flow waits for the next text message)."""
    what = "time" if draft.waiting == "time" else "timezone"
    text = f"{_title(lang, what)}\n\n{plain(t(lang, f'subscribe.type_{what}'))}"
    rows = [[_button(t(lang, "subscribe.back"), f"sb:go:{what}")]]
    return Reply((text,), InlineKeyboardMarkup(rows))


def not_understood(lang: str, waiting: str, typed: str) -> Reply:
    """Say a typed time or time zone was not understood (the flow keeps waiting)."""
    key = "subscribe.bad_time" if waiting == "time" else "subscribe.bad_timezone"
    return Reply((t(lang, key, value=plain(shorten(typed, MAX_KEYWORD_SHOWN))),))


# ---- after saving, /settings, /filter, pause, unsubscribe -------------------------------


def _settings_keyboard(view: SubscriptionView, lang: str) -> InlineKeyboardMarkup:
    pause = (
        _button(t(lang, "subscribe.button_resume"), "sb:r")
        if view.paused
        else _button(t(lang, "subscribe.button_pause"), "sb:p")
    )
    return InlineKeyboardMarkup(
        [
            [
                _button(t(lang, "subscribe.button_countries"), "sb:e:c"),
                _button(t(lang, "subscribe.button_topics"), "sb:e:t"),
            ],
            [_button(t(lang, "subscribe.button_schedule"), "sb:e:s"), pause],
            [_button(t(lang, "subscribe.button_unsubscribe"), "sb:u")],
        ]
    )


def saved(view: SubscriptionView, lang: str, *, new: bool) -> Reply:
    """Confirm a saved subscription and show it."""
    head = t(lang, "subscribe.subscribed" if new else "subscribe.updated")
    text = f"{head}\n\n{summary(view, lang)}\n\n{plain(t(lang, 'subscribe.after'))}"
    return Reply((text,))


def settings(view: SubscriptionView | None, lang: str) -> Reply:
    """Show the subscription with buttons to change it, or invite to subscribe."""
    if view is None or view.cancelled:
        return Reply((plain(t(lang, "subscribe.none")),))
    text = f"{t(lang, 'subscribe.settings_title')}\n\n{summary(view, lang)}"
    return Reply((text,), _settings_keyboard(view, lang))


def not_subscribed(lang: str) -> Reply:
    """Say there is no subscription here yet."""
    return Reply((plain(t(lang, "subscribe.none")),))


def paused(view: SubscriptionView | None, lang: str, *, now_paused: bool) -> Reply:
    """Confirm a pause or a resume."""
    if view is None or view.cancelled:
        return not_subscribed(lang)
    key = "subscribe.paused" if now_paused else "subscribe.resumed"
    return Reply((plain(t(lang, key)),))


def unsubscribed(view: SubscriptionView | None, lang: str) -> Reply:
    """Confirm unsubscribing, with a one-tap Undo."""
    if view is None:
        return not_subscribed(lang)
    keyboard = InlineKeyboardMarkup([[_button(t(lang, "subscribe.undo"), "sb:undo")]])
    return Reply((plain(t(lang, "subscribe.unsubscribed")),), keyboard)


def restored(view: SubscriptionView | None, lang: str) -> Reply:
    """Confirm the undo of an unsubscribe."""
    if view is None:
        return not_subscribed(lang)
    return Reply((f"{t(lang, 'subscribe.restored')}\n\n{summary(view, lang)}",))


def cancelled(lang: str) -> Reply:
    """Say the flow was left without saving."""
    return Reply((plain(t(lang, "subscribe.cancelled")),))


def expired(lang: str) -> Reply:
    """Say the flow's buttons are out of date (the bot restarted, or it was finished)."""
    return Reply((plain(t(lang, "subscribe.expired")),))


def filters_shown(view: SubscriptionView | None, lang: str) -> Reply:
    """Show the keyword filters and how to change them."""
    if view is None or view.cancelled:
        return not_subscribed(lang)
    if not view.include and not view.exclude:
        return Reply((t(lang, "subscribe.filter_none"),))
    shown = keywords_text(view.include, view.exclude)
    return Reply((t(lang, "subscribe.filter_current", keywords=shown),))


def unknown_words(words: Sequence[str], lang: str) -> Reply:
    """Name the words of a shortcut that meant nothing, with examples that work."""
    named = ", ".join(f"“{plain(shorten(w, 40))}”" for w in words[:10])
    return Reply((t(lang, "subscribe.unknown_words", words=named),))


def refused(lang: str) -> str:
    """Say politely that only the group's admins may change its subscription (plain text)."""
    return t(lang, "subscribe.admins_only")


# ---- admin: channels, statistics, sources, previews ----------------------------------------


def admin_message(lang: str, key: str, **values: str) -> Reply:
    """Render one admin sentence; values (a channel name, a URL) are escaped."""
    return Reply((t(lang, f"admin.{key}", **{k: plain(v) for k, v in values.items()}),))


def channel_saved(view: SubscriptionView, lang: str, *, new: bool) -> Reply:
    """Confirm a linked or updated channel and show what it gets."""
    key = "admin.channel_added" if new else "admin.channel_updated"
    title = plain(view.title or str(view.chat_id))
    return Reply((f"{t(lang, key, title=title)}\n\n{summary(view, lang)}",))


def channel_list(views: Sequence[SubscriptionView], lang: str) -> Reply:
    """List the linked channels with their schedules."""
    live = [v for v in views if not v.cancelled]
    if not live:
        return Reply((t(lang, "admin.channel_list_empty"),))
    blocks = [t(lang, "admin.channel_list_header")]
    for view in live:
        head = f"📣 <b>{plain(view.title or '')}</b> <code>{view.chat_id}</code>"
        if view.paused:
            head += f" · {plain(t(lang, 'admin.channel_paused'))}"
        blocks.append(f"{head}\n{summary(view, lang)}")
    return Reply(split(blocks))


def stats(st: Stats, records: Sequence[SourceRecord], lang: str) -> Reply:
    """Render /stats: subscribers, today's deliveries, the sources' health."""
    health = [r.health for r in records]
    failing = [r for r in records if r.active and r.failures > 0]
    lines = [
        t(lang, "admin.stats_header"),
        "",
        plain(
            t(
                lang,
                "admin.stats_subscribers",
                subscribers=st.subscribers,
                active=st.active,
                paused=st.paused,
            )
        ),
        plain(
            t(
                lang,
                "admin.stats_deliveries",
                sent=st.sent_today,
                failed=st.failed_today,
                pending=st.pending,
            )
        ),
        plain(
            t(
                lang,
                "admin.stats_sources",
                total=len(records),
                ok=health.count("ok"),
                failing=len(failing),
                new=health.count("new"),
                paused=health.count("paused"),
            )
        ),
    ]
    if failing:
        lines += ["", plain(t(lang, "admin.stats_failing"))]
        lines += [
            f"• #{r.id} {plain(shorten(r.name or r.url, 60))}: {plain(shorten(r.health, 120))}"
            for r in failing[:15]
        ]
    return Reply(split(["\n".join(lines)]))


def source_line(record: SourceRecord) -> str:
    """Render one source: id, name or URL, country, language, health, articles."""
    where = " ".join(x for x in (flag(record.country or ""), (record.lang or "").upper()) if x)
    name = plain(shorten(record.name or record.url, 60))
    return (
        f"#{record.id} <b>{name}</b> {where}\n"
        f"<code>{plain(shorten(record.url, 120))}</code> · {plain(shorten(record.health, 100))} · "
        f"{record.articles_total}"
    )


def sources_list(records: Sequence[SourceRecord], lang: str) -> Reply:
    """Render /sources: every source with its health, then how to add or remove one."""
    blocks = [t(lang, "admin.sources_header")]
    blocks += [source_line(r) for r in records] or [plain(t(lang, "admin.sources_empty"))]
    blocks.append(t(lang, "admin.sources_usage"))
    return Reply(split(blocks))


def preview(view: SubscriptionView | None, texts: Sequence[str], lang: str) -> Reply:
    """Show what the next digest would look like, under a header naming the chat."""
    if view is None or view.cancelled:
        return Reply((t(lang, "admin.preview_none"),))
    chat = plain(view.title or str(view.chat_id))
    return Reply((t(lang, "admin.preview_header", chat=chat), *texts))
