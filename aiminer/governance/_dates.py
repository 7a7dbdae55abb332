"""Small date/time helpers shared by the governance modules (UTC everywhere)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime

from aiminer.governance.errors import InvalidRecordError

_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 with milliseconds and an explicit UTC offset (sorts lexically)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def stable_event_id(moment: datetime, *identity: str) -> str:
    """A time-sortable event ID that is the same every time one event is recorded (``<ISO time>#<digest>``).

    ``identity`` names the event uniquely (e.g. bucket, key, version and kind of a landing object), so a retry or a
    duplicate delivery writes the same key and the table's conditional put keeps the first.
    """
    digest = hashlib.sha256("\x00".join(identity).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{iso(moment)}#{digest}"


def parse_date(value: str, field: str) -> date:
    """``YYYY-MM-DD`` -> date, or :class:`InvalidRecordError` naming the field."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise InvalidRecordError(f"{field} must be a date YYYY-MM-DD, got {value!r}", "invalid_date") from exc


def parse_month(value: str) -> tuple[int, int]:
    """``YYYY-MM`` -> (year, month), or :class:`InvalidRecordError`."""
    m = _MONTH_RE.fullmatch(value)
    if not m:
        raise InvalidRecordError(f"month must be YYYY-MM, got {value!r}", "invalid_month")
    return int(m.group(1)), int(m.group(2))


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month in UTC."""
    year, mon = parse_month(month)
    start = datetime(year, mon, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC) if mon == 12 else datetime(year, mon + 1, 1, tzinfo=UTC)
    return start, end
