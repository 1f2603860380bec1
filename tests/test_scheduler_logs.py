"""The scheduler's log lines, read by the operator who set the alert hour in
CALENDAR_TIMEZONE."""

from __future__ import annotations

import datetime as dt
import logging

from calendar_service.scheduler import ZonedFormatter


def test_scheduler_logs_show_the_configured_time_zone():
    """The log said 00:05 (the machine's UTC) for alerts sent at 07:05 in Hà Nội."""
    record = logging.LogRecord(
        "calendar_service.scheduler", logging.INFO, __file__, 1, "alerts: 3 sent", None, None
    )
    record.created = dt.datetime(2024, 4, 7, 0, 5, 9, tzinfo=dt.UTC).timestamp()
    assert ZonedFormatter("Asia/Ho_Chi_Minh").format(record) == (
        "2024-04-07 07:05:09+07:00 INFO calendar_service.scheduler: alerts: 3 sent"
    )
    assert ZonedFormatter("Europe/Stockholm").format(record).startswith("2024-04-07 02:05:09+02:00 INFO")
