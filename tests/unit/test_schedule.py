"""Schedules: which period is the latest at an instant, when the next send is, what people type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from digests.schedule import (
    Schedule,
    latest_period,
    next_send,
    parse_time,
    parse_timezone,
    parse_weekday,
    period_length,
)

TASHKENT_0830 = Schedule(cadence="daily", time_of_day="08:30", timezone="Asia/Tashkent")
MONDAY_0900 = Schedule(cadence="weekly", time_of_day="09:00", weekday=0, timezone="Asia/Almaty")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# ---- daily -----------------------------------------------------------------------------------


def test_daily_period_turns_over_at_the_local_send_time() -> None:
    # 08:30 in Tashkent (UTC+5) is 03:30 UTC.
    before = latest_period(TASHKENT_0830, utc(2026, 11, 28, 3, 29, 59))
    at = latest_period(TASHKENT_0830, utc(2026, 11, 28, 3, 30))
    assert before.key == "d:2026-11-27"
    assert at.key == "d:2026-11-28"
    assert (at.start, at.end) == (utc(2026, 11, 27, 3, 30), utc(2026, 11, 28, 3, 30))
    assert before.end == at.start  # consecutive periods meet


def test_the_key_is_the_local_date_of_the_send() -> None:
    # 00:15 in Tashkent on the 28th is 19:15 UTC on the 27th: the key names the local day.
    late = Schedule(cadence="daily", time_of_day="00:15", timezone="Asia/Tashkent")
    period = latest_period(late, utc(2026, 11, 27, 19, 15))
    assert period.key == "d:2026-11-28"
    assert period.end == utc(2026, 11, 27, 19, 15)


def test_a_restart_after_a_missed_send_still_gives_the_current_period() -> None:
    # Down from 08:00 to 15:00 local: the 08:30 digest is still the latest period's.
    period = latest_period(TASHKENT_0830, utc(2026, 11, 28, 10, 0))
    assert period.key == "d:2026-11-28"
    assert next_send(TASHKENT_0830, utc(2026, 11, 28, 10, 0)) == utc(2026, 11, 29, 3, 30)


def test_next_send_is_strictly_after() -> None:
    assert next_send(TASHKENT_0830, utc(2026, 11, 28, 3, 29)) == utc(2026, 11, 28, 3, 30)
    assert next_send(TASHKENT_0830, utc(2026, 11, 28, 3, 30)) == utc(2026, 11, 29, 3, 30)
    # the period planned at a send ends at it, and the next send opens the next period
    sent = utc(2026, 11, 28, 3, 30)
    assert latest_period(TASHKENT_0830, next_send(TASHKENT_0830, sent)).start == sent


def test_other_timezone_inputs_come_back_in_utc() -> None:
    local = datetime(2026, 11, 28, 8, 30, tzinfo=ZoneInfo("Asia/Tashkent"))
    period = latest_period(TASHKENT_0830, local)
    assert period.end.tzinfo == UTC and period.key == "d:2026-11-28"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        latest_period(TASHKENT_0830, datetime(2026, 11, 28, 3, 30))


# ---- weekly ----------------------------------------------------------------------------------


def test_weekly_monday_0900() -> None:
    # 2026-11-30 is a Monday; 09:00 in Almaty (UTC+5) is 04:00 UTC.
    saturday = latest_period(MONDAY_0900, utc(2026, 11, 28, 12, 0))
    monday = latest_period(MONDAY_0900, utc(2026, 11, 30, 4, 0))
    assert saturday.key == "w:2026-11-23"
    assert monday.key == "w:2026-11-30"
    assert monday.end - monday.start == timedelta(days=7) == period_length(MONDAY_0900)
    assert next_send(MONDAY_0900, utc(2026, 11, 28, 12, 0)) == utc(2026, 11, 30, 4, 0)
    assert next_send(MONDAY_0900, utc(2026, 11, 30, 4, 0)) == utc(2026, 12, 7, 4, 0)


def test_weekly_without_a_weekday_means_monday() -> None:
    weekly = Schedule(cadence="weekly", time_of_day="09:00", timezone="UTC")
    assert latest_period(weekly, utc(2026, 12, 2, 0, 0)).key == "w:2026-11-30"


# ---- instant ---------------------------------------------------------------------------------


def test_instant_periods_are_keyed_by_the_minute() -> None:
    instant = Schedule(cadence="instant")
    now = utc(2026, 11, 28, 3, 30, 42)
    period = latest_period(instant, now)
    assert period.key == "i:2026-11-28T03:30Z"
    assert (period.start, period.end) == (now - timedelta(days=1), now)
    assert next_send(instant, now) == now
    assert period_length(instant) == timedelta(days=1)


# ---- daylight saving (the region has none; subscribers elsewhere do) ------------------------

NEW_YORK_0230 = Schedule(cadence="daily", time_of_day="02:30", timezone="America/New_York")


def test_a_send_time_skipped_by_spring_forward_goes_out_an_hour_later() -> None:
    # 2026-03-08: New York jumps from 02:00 EST to 03:00 EDT; 02:30 does not exist.
    before = next_send(NEW_YORK_0230, utc(2026, 3, 7, 12, 0))
    assert before == utc(2026, 3, 8, 7, 30)  # 03:30 EDT
    period = latest_period(NEW_YORK_0230, before)
    assert period.key == "d:2026-03-08"
    assert period.start == utc(2026, 3, 7, 7, 30)  # 02:30 EST
    following = next_send(NEW_YORK_0230, before)
    assert following == utc(2026, 3, 9, 6, 30)  # 02:30 EDT: a 23-hour period
    assert latest_period(NEW_YORK_0230, following).start == before


def test_a_send_time_repeated_by_fall_back_goes_out_once() -> None:
    # 2026-11-01: 01:30 happens twice in New York; the first one is the send.
    schedule = Schedule(cadence="daily", time_of_day="01:30", timezone="America/New_York")
    first = next_send(schedule, utc(2026, 10, 31, 12, 0))
    assert first == utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    second = next_send(schedule, first)
    assert second == utc(2026, 11, 2, 6, 30)  # 01:30 EST next day, not 06:30 UTC today
    keys = {latest_period(schedule, first + timedelta(minutes=m)).key for m in range(0, 1440, 15)}
    assert keys == {"d:2026-11-01"}


@pytest.mark.parametrize(
    "zone",
    ["Asia/Tashkent", "Europe/London", "America/Santiago", "Australia/Lord_Howe", "Pacific/Apia"],
)
def test_periods_tile_time_in_any_zone(zone: str) -> None:
    """Walk a year in steps: periods meet end to start and each key is used for one period."""
    schedule = Schedule(cadence="daily", time_of_day="00:30", timezone=zone)
    when = utc(2011, 1, 1) if zone == "Pacific/Apia" else utc(2026, 1, 1)
    seen: dict[str, tuple[datetime, datetime]] = {}
    previous = None
    for _ in range(400):
        period = latest_period(schedule, when)
        assert period.start < period.end <= when
        assert seen.setdefault(period.key, (period.start, period.end)) == (period.start, period.end)
        if previous is not None and previous != period:
            assert period.start == previous.end
        previous = period
        when = next_send(schedule, when)
        assert when > period.end


# ---- what people type ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("8:30", "08:30"),
        ("08.30", "08:30"),
        ("0830", "08:30"),
        ("830", "08:30"),
        ("8", "08:00"),
        ("18", "18:00"),
        (" 8 30 ", "08:30"),
        ("8h30", "08:30"),
        ("8 pm", "20:00"),
        ("12am", "00:00"),
        ("23:59", "23:59"),
        ("24:00", None),
        ("8:60", None),
        ("7:5", None),
        ("13pm", None),
        ("mon", None),
        ("", None),
    ],
)
def test_parse_time(typed: str, expected: str | None) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("mon", 0, id="en-short"),
        pytest.param("Monday", 0, id="en"),
        pytest.param("every Friday", 4, id="en-phrase"),
        pytest.param("пн", 0, id="ru-short"),
        pytest.param("Понедельник", 0, id="ru"),
        pytest.param("по понедельникам", 0, id="ru-inflected"),
        pytest.param("в среду", 2, id="ru-accusative"),
        pytest.param("четв", 3, id="ru-prefix"),
        pytest.param("dushanba", 0, id="uz-latn"),
        pytest.param("Dushanbada", 0, id="uz-latn-inflected"),
        pytest.param("Shanba kuni", 5, id="uz-latn-phrase"),
        pytest.param("чоршанба", 2, id="uz-cyrl"),
        pytest.param("jumʼa", 4, id="tg-latn-apostrophe"),
        pytest.param("дүйсенбі", 0, id="kk"),
        pytest.param("Жексенбі", 6, id="kk-sunday"),
        pytest.param("дүйшөмбү", 0, id="ky"),
        pytest.param("ишемби", 5, id="ky-saturday"),
        pytest.param("душанбе", 0, id="tg"),
        pytest.param("панҷшанбе", 3, id="tg-thursday"),
        pytest.param("penşenbe", 3, id="tk"),
        pytest.param("xyz", None, id="nonsense"),
        pytest.param("mon fri", None, id="two-days"),
        pytest.param("", None, id="empty"),
    ],
)
def test_parse_weekday(typed: str, expected: int | None) -> None:
    assert parse_weekday(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Asia/Tashkent", "Asia/Tashkent"),
        ("asia/tashkent", "Asia/Tashkent"),
        ("ASIA/ALMATY", "Asia/Almaty"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("Tashkent", "Asia/Tashkent"),
        ("new york", "America/New_York"),
        ("UTC+5", "Etc/GMT-5"),
        ("GMT-3", "Etc/GMT+3"),
        ("Mars/Olympus", None),
        ("UTC+15", None),
        ("", None),
    ],
)
def test_parse_timezone(typed: str, expected: str | None) -> None:
    assert parse_timezone(typed) == expected


def test_a_bad_schedule_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="timezone"):
        latest_period(Schedule(timezone="Mars/Olympus"), utc(2026, 1, 1))
    with pytest.raises(ValueError, match="cadence"):
        next_send(Schedule(cadence="hourly"), utc(2026, 1, 1))
    with pytest.raises(ValueError, match="HH:MM"):
        next_send(Schedule(time_of_day="25:00"), utc(2026, 1, 1))
