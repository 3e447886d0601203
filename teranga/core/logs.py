"""Log configuration: one JSON object per line, or readable one-line text in development.

``config/settings.py`` calls :func:`configure` with ``LOG_FORMAT`` (``json`` in PRODUCTION,
``text`` elsewhere by default) and ``LOG_LEVEL`` and uses the ``LOGGING`` dictionary it
returns. Both formats share the structlog chain (``request_id`` bound by django-structlog),
the same levels and the same quieting:

* the periodic jobs' huey lines ("Enqueueing periodic task", "Executing", "executed in")
  are DEBUG: a dozen jobs a minute would otherwise write 30-40 lines a minute at idle.
  Shown with ``LOG_LEVEL=DEBUG``; a job's failure is an ERROR and always shown.
* WeasyPrint, fontTools and factur-x log at WARNING (their INFO is PDF-making progress).
* ``request_finished`` carries ``duration_ms``, the time the request took.

The text format writes one line per request (``GET /api/v1/me/ 200 12 ms``): the
``request_started`` line is DEBUG there (in JSON it stays, as before), and so is Django's
"Not Found: /path" warning for a 4xx (the request's line has the status). So are every
task's routine lines (huey's "Executing" / "executed in", django-tasks' RUNNING and
SUCCESSFUL: four lines per task) and huey's list of registered tasks at start; a task
that fails still logs its ERROR with the traceback.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import structlog
from django_structlog import signals as structlog_signals

LOG_FORMATS = ("text", "json")

#: The structlog chain shared by structlog's loggers and the standard library's.
SHARED_CHAIN = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]

#: huey's messages about a task: DEBUG for a periodic job (and in text, for every task).
_HUEY_TASK_MESSAGES = frozenset({"Executing %s", "%s executed in %0.3fs"})
_HUEY_SCHEDULER_MESSAGE = "Enqueueing periodic task %s."
_HUEY_REGISTRY_PREFIX = "The following commands are available:"
#: django-tasks' message for a task that starts or ends (a failure is logged as an ERROR).
_DJANGO_TASKS_MESSAGE = "Task id=%s path=%s state=%s"
#: django-structlog's events that the text format keeps for DEBUG (a line per request).
_TEXT_DEBUG_EVENTS = frozenset({"request_started", "streaming_started"})
#: Keys the text format does not repeat after the message.
_TEXT_HIDDEN_KEYS = frozenset(
    {"event", "level", "logger", "timestamp", "request_id", "ip", "user_agent", "user_id"}
)
_REQUEST_START_ATTRIBUTE = "_teranga_log_started"


def log_format(value: str, *, production: bool) -> str:
    """``LOG_FORMAT`` checked: ``text`` or ``json``; empty means the mode's default."""
    value = (value or "").strip().lower() or ("json" if production else "text")
    if value not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be text or json, not {value!r}.")
    return value


def configure(*, log_format: str, level: str) -> dict[str, Any]:
    """Configure structlog and return the ``LOGGING`` dictionary for ``log_format``."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be text or json, not {log_format!r}.")
    structlog.configure(
        processors=[
            *SHARED_CHAIN,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    connect_request_timing()
    return logging_config(log_format=log_format, level=level)


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The ``LOGGING`` dictionary (``logging.config.dictConfig``) for one format."""
    show_debug = logging.getLevelName(str(level).upper()) == logging.DEBUG
    formatters = {
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
            "foreign_pre_chain": SHARED_CHAIN,
        },
        "text": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                TextRenderer(),
            ],
            "foreign_pre_chain": SHARED_CHAIN,
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {log_format: formatters[log_format]},
        "filters": {
            "quiet": {
                "()": QuietFilter,
                "show_debug": show_debug,
                "text": log_format == "text",
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["quiet"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "huey": {"level": "DEBUG" if show_debug else "INFO"},
            "uvicorn.access": {"level": "WARNING"},
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
            "factur-x": {"level": "WARNING"},
        },
    }


class QuietFilter(logging.Filter):
    """Turns chatty records into DEBUG ones, dropped unless ``show_debug``.

    Turned down: huey's lines about periodic jobs (the scheduler enqueueing one, a worker
    executing it and its duration); in the text format also django-structlog's
    ``request_started`` (``request_finished`` says it all in one line), Django's
    "Not Found" WARNING for a 4xx, every task's routine lines and huey's list of
    registered tasks. Errors are never touched."""

    def __init__(self, *, show_debug: bool = False, text: bool = False):
        super().__init__()
        self.show_debug = show_debug
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno not in (logging.INFO, logging.WARNING) or not self._chatty(record):
            return True
        if not self.show_debug:
            return False
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        if isinstance(record.msg, dict):
            record.msg["level"] = "debug"
        return True

    def _chatty(self, record: logging.LogRecord) -> bool:
        message = record.msg
        if record.name == "huey" or record.name.startswith("huey."):
            if message == _HUEY_SCHEDULER_MESSAGE:
                return True
            if message in _HUEY_TASK_MESSAGES and record.args:
                from huey.api import PeriodicTask

                return self.text or isinstance(record.args[0], PeriodicTask)
            return (
                self.text and isinstance(message, str) and message.startswith(_HUEY_REGISTRY_PREFIX)
            )
        if not self.text:
            return False
        if record.name == "django.request":
            # "Not Found: /path" repeats the request's own line; a 5xx (ERROR) stays.
            return 400 <= getattr(record, "status_code", 0) < 500
        if record.name == "django_tasks":
            return message == _DJANGO_TASKS_MESSAGE
        return isinstance(message, dict) and message.get("event") in _TEXT_DEBUG_EVENTS


class TextRenderer:
    """A structlog renderer writing one readable line per event.

    ``23:59:01 INFO    GET /api/v1/me/ 200 12 ms`` for a request, else
    ``23:59:01 WARNING teranga.x: message key=value``; an exception follows on its own
    lines."""

    def __call__(self, logger: Any, method_name: str, event_dict: dict[str, Any]) -> str:
        timestamp = str(event_dict.get("timestamp", ""))
        clock = timestamp[11:19] if len(timestamp) >= 19 else timestamp
        level = str(event_dict.get("level", method_name)).upper()
        event = str(event_dict.get("event", ""))
        exception = event_dict.get("exception")
        if event in {"request_finished", "request_failed"} and "request" in event_dict:
            message = f"{event_dict['request']} {event_dict.get('code', '')}".rstrip()
            if "duration_ms" in event_dict:
                message += f" {event_dict['duration_ms']} ms"
            if event == "request_failed":
                message += " (failed)"
            extra = {}
        else:
            name = event_dict.get("logger")
            message = f"{name}: {event}" if name else event
            extra = {
                key: value
                for key, value in event_dict.items()
                if key not in _TEXT_HIDDEN_KEYS and key != "exception"
            }
        line = f"{clock} {level:<7} {message}"
        if extra:
            line += " " + " ".join(f"{key}={_text_value(value)}" for key, value in extra.items())
        if exception:
            line += "\n" + str(exception).rstrip("\n")
        return line


def _text_value(value: Any) -> str:
    text = str(value)
    return repr(text) if (" " in text or not text) else text


# --- Request timing -------------------------------------------------------------------
# django-structlog's request_finished event carries the method, the path and the status;
# these receivers add the time the request took (``duration_ms``).


def _request_started(request, log_kwargs, **kwargs) -> None:
    setattr(request, _REQUEST_START_ATTRIBUTE, time.perf_counter())


def _request_finished(request, log_kwargs, **kwargs) -> None:
    started = getattr(request, _REQUEST_START_ATTRIBUTE, None)
    if started is not None:
        log_kwargs["duration_ms"] = round((time.perf_counter() - started) * 1000)


def connect_request_timing() -> None:
    """Connect the timing receivers to django-structlog's signals (once)."""
    structlog_signals.bind_extra_request_metadata.connect(
        _request_started, dispatch_uid="teranga.core.logs.request_started"
    )
    structlog_signals.bind_extra_request_finished_metadata.connect(
        _request_finished, dispatch_uid="teranga.core.logs.request_finished"
    )
