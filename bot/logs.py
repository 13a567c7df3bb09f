"""Logging set-up: phone numbers masked in every record, quiet third-party loggers."""

from __future__ import annotations

import logging

from flows.phone import mask_in_text


class MaskPhoneNumbers(logging.Filter):
    """Rewrites the record's final message so no E.164 number reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_in_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskPhoneNumbers())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and PTB's URLs carry the bot token.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access", "tortoise"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
