"""Logs: one line per request, text or JSON, every line of a request carrying its id.

The request id lives in a context variable for the request's task, so any logger used while
serving it (the service's, SQLAlchemy's, uvicorn's) gets it stamped on by one filter.
"""

import json
import logging
import logging.handlers
import queue
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else on a record is an "extra" worth printing.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Stamped where the record is made (the request's task), kept when written elsewhere.
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id and the extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


class _Enqueue(logging.handlers.QueueHandler):
    """Hands the record over as it is: the stock handler formats and copies every record in
    the request's thread, which is most of what a log line costs there."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


_listener: logging.handlers.QueueListener | None = None
_writer: logging.Handler | None = None


def configure(format: Literal["text", "json"], level: str) -> None:
    """Send the service's and uvicorn's logs through one handler on stderr. The request's
    thread only stamps the request id on a record and queues it; a thread of its own
    formats and writes it, so a log line costs the event loop next to nothing."""
    global _listener, _writer
    writer = logging.StreamHandler(sys.stderr)
    writer.setFormatter(JsonFormatter() if format == "json" else TextFormatter())
    writer.addFilter(RequestIdFilter())
    _writer = writer
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    handler = _Enqueue(records)
    handler.addFilter(RequestIdFilter())
    if _listener is not None:
        _listener.stop()
    _listener = logging.handlers.QueueListener(records, writer)
    _listener.start()
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True


def write_directly() -> None:
    """At shutdown: drain the queue and write the last lines (uvicorn's) as they come, since
    a process ended by a signal runs no exit handlers that could still drain it."""
    global _listener
    if _listener is not None:
        _listener.stop()
        _listener = None
    if _writer is not None:
        logging.getLogger().handlers[:] = [_writer]
