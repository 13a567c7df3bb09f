"""Telegram updates taken once across replicas: Telegram delivers an update again when
our answer did not reach it, and the second delivery may reach another replica."""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError

from storage.record_models import TelegramUpdate

MAX_UPDATE_ID = 2**63 - 1  # a BIGINT; Telegram's ids are far below


async def first_delivery(update_id: int, now: datetime) -> bool:
    """True the first time an update arrives, False for every later delivery of it."""
    try:
        await TelegramUpdate.create(update_id=update_id, received_at=now)
    except IntegrityError:
        return False
    return True


async def forget_before(cutoff: datetime) -> int:
    """The ids older than `cutoff`: Telegram stopped retrying them long ago."""
    return await TelegramUpdate.filter(received_at__lt=cutoff).delete()
