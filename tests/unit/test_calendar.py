"""digests.calendar: events to .ics and back, whatever their names hold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
from hypothesis import given
from hypothesis import strategies as st

from digests.calendar import CalendarEntry, filename, ics, uid

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def parse(data: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def test_one_day_and_multi_day_events() -> None:
    data = ics(
        [
            CalendarEntry("ict-week-2025", "ICT Week 2025", date(2025, 4, 7), date(2025, 4, 10)),
            CalendarEntry("digital-bridge-2022", "Digital Bridge", date(2022, 9, 28)),
            # An end before the start (a misread date) is a one-day event, not a negative one.
            CalendarEntry("odd", "Odd", date(2026, 1, 5), date(2026, 1, 1)),
        ],
        name="Events",
        now=NOW,
    )
    first, second, odd = parse(data)
    assert (first.decoded("dtstart"), first.decoded("dtend")) == (
        date(2025, 4, 7),
        date(2025, 4, 11),
    )
    assert second.decoded("dtend") == date(2022, 9, 29)
    assert odd.decoded("dtend") == date(2026, 1, 6)
    assert str(first["uid"]) == "ict-week-2025@chaikhana"


def test_a_non_web_url_is_left_out() -> None:
    [event] = parse(
        ics(
            [CalendarEntry("k", "N", date(2026, 1, 1), url="javascript:alert(1)")],
            name="x",
            now=NOW,
        )
    )
    assert "url" not in event


@given(
    name=st.text(min_size=1, max_size=300),
    place=st.one_of(st.none(), st.text(max_size=100)),
    text=st.text(max_size=500),
    start=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    days=st.integers(min_value=0, max_value=30),
)
def test_any_text_round_trips(
    name: str, place: str | None, text: str, start: date, days: int
) -> None:
    entry = CalendarEntry(name, name, start, start + timedelta(days=days), place, text)
    [event] = parse(ics([entry], name=name, now=NOW))
    printable = "".join(ch for ch in name if ch in "\n\t" or ch >= " ")
    assert str(event["summary"]) == (" ".join(printable.split())[:500] or "…")
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(days=days + 1)
    assert filename(name).endswith(".ics") and "/" not in filename(name)
    assert "\n" not in uid(name) and uid(name).endswith("@chaikhana")


def test_names_in_every_language() -> None:
    names = [
        "Астана Хаб форуми",
        "Қазақстан IT апталығы",
        "Бишкек IT жумасы",
        "Ҳафтаи ИТ",
        "Türkmenistan sanly forumy",
        "Toshkent IT haftaligi",
        "Форум цифровизации",
    ]
    entries = [CalendarEntry(str(i), n, date(2026, 5, i + 1)) for i, n in enumerate(names)]
    assert [str(e["summary"]) for e in parse(ics(entries, name="all", now=NOW))] == names
