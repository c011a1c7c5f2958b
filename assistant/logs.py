"""Log lines as JSON objects, each with the id of the request it belongs to (``X-Request-ID``)."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import time

# The request being served in this context ("-" outside a request); set by middleware.RequestId.
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# An id a client or proxy sends is kept if it is short and plain (a UUID, a trace id), else replaced.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def accept_request_id(incoming: str | None) -> str:
    """The incoming id if it is sane, else a fresh random one (32 hex digits)."""
    if incoming and _SANE_ID.fullmatch(incoming):
        return incoming
    return secrets.token_hex(16)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request id, then the message, or the fields a record
    carries in ``fields`` (the access log's), and the error's traceback for operators."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                + f".{int(record.msecs):03d}Z",
                "level": record.levelname, "logger": record.name,
                "request_id": getattr(record, "request_id", None) or request_id.get()}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        else:
            line["message"] = record.getMessage()
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: int = logging.INFO) -> None:
    """JSON lines on stderr: the assistant's own logs from ``level`` up, libraries' from WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("assistant").setLevel(level)
