"""``memberops scan``: score days of the stored cube for anomalies and localise their root causes."""

from __future__ import annotations

import datetime as dt
import time

from core.calendar import ChineseCalendar
from core.detection import DetectionConfig, ScanResult, scan
from handlers.data_access import Data
from handlers.errors import NoDataError, UsageError
from handlers.telemetry import observe_scan


def scan_days(
    data: Data,
    calendar: ChineseCalendar,
    *,
    day: dt.date | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    config: DetectionConfig | None = None,
    language: str = "zh",
) -> ScanResult:
    """Scan one day (default: the latest day with data) or every day of ``start``…``end``.

    The scan reads through :meth:`DataAccess.reader`: a warehouse answers the grouped series and the leaf
    rows of the alert days itself. The result is kept until the data changes (:meth:`DataAccess.derived`):
    ``/why`` asks for the same day's alerts again and again. It is shared between callers, so it must not be
    mutated.
    """
    reader = data.reader()
    first_day, last_day = reader.span()
    if last_day is None:
        raise NoDataError()
    if day is not None and (start is not None or end is not None):
        raise UsageError(
            "--date 与 --from/--to 不能同时使用",
            "use either --date or --from/--to",
            "memberops scan --date 2026-11-23",
        )
    dates: list[dt.date] | None = None
    if day is not None:
        dates = [day]
    elif start is not None or end is not None:
        first = start or first_day
        last = end or last_day
        if last < first:
            raise UsageError(
                "结束日期早于开始日期",
                "--to is before --from",
                "memberops scan --from 2026-11-01 --to 2026-11-23",
            )
        dates = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    settings = config or DetectionConfig()
    key = ("scan", tuple(dates) if dates is not None else None, settings, language, calendar)

    def compute() -> ScanResult:
        started = time.perf_counter()
        result = scan(
            data.reader(),  # read again inside: the value is kept under the version current now
            dates,
            calendar=calendar,
            config=settings,
            campaigns=data.campaigns(),
            language=language,  # type: ignore[arg-type]
        )
        observe_scan(data.source_name, time.perf_counter() - started, [a.severity for a in result.alerts])
        return result

    return data.derived(key, compute)
