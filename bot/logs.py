"""Logging set-up: phone numbers masked in every line, quiet third-party loggers.

Masking happens on the formatted line, so exception messages, tracebacks and stack
dumps are masked too, not only the log message."""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType

from aiohttp.http_exceptions import HttpProcessingError

from flows.core.phone import mask_in_text

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class MaskPhoneNumbers(logging.Filter):
    """Rewrites the record's message and its exception text so no phone number
    reaches any handler, whatever formatter that handler uses."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_in_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Format the traceback once, here, masked; formatters reuse exc_text.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_in_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_in_text(record.stack_info)
        return True


class ClientErrorsInOneLine(logging.Filter):
    """aiohttp logs a request it cannot even parse (a request line past 8 KB, a broken
    header) with a full traceback, as if the server had failed. It answered 400: the
    fault is the client's, so one line without the traceback. Failures of our own
    handlers keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError) and (error.code or 400) < 500:
            record.msg = "refused a malformed HTTP request (%s: %s)"
            record.args = (type(error).__name__, str(error.message)[:200])
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def quiet_client_errors() -> None:
    """Installs `ClientErrorsInOneLine` on aiohttp's server logger, once."""
    server_log = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, ClientErrorsInOneLine) for f in server_log.filters):
        server_log.addFilter(ClientErrorsInOneLine())


class MaskingFormatter(logging.Formatter):
    """The last word: whatever ends up in the formatted line is masked."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_in_text(super().format(record))


def _log_uncaught(
    kind: type[BaseException], error: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, tb)
        return
    logging.getLogger("flerpart").critical("uncaught exception", exc_info=(kind, error, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)


def setup_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter(FORMAT))
    handler.addFilter(MaskPhoneNumbers())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_client_errors()
    # An exception nobody caught goes through the same masked handler, not raw to stderr.
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    # httpx logs every request URL at INFO, and PTB's URLs carry the bot token.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access", "tortoise"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
