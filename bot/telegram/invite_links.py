"""How an invitation code is shown to the admin who hands it on."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Bot
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.local_mode import LOCAL_BOT_USERNAME

log = logging.getLogger(__name__)


async def bot_username(settings: Settings) -> str | None:
    if settings.local_telegram:
        return LOCAL_BOT_USERNAME
    request = HTTPXRequest(connect_timeout=5, read_timeout=5)
    try:
        async with Bot(settings.telegram_bot_token, request=request) as bot:  # type: ignore[arg-type]
            return bot.username
    except TelegramError as error:
        log.warning("could not ask Telegram for the bot's name: %s", type(error).__name__)
        return None


async def describe_invitation(settings: Settings, code: str, expires_at: datetime) -> str:
    username = await bot_username(settings)
    lines = []
    if username:
        lines.append(f"Invitation link: https://t.me/{username}?start={code}")
    lines.append(f"Or send the bot: /start {code}")
    local = expires_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M %Z")
    lines.append(f"Single use; expires {local}.")
    return "\n".join(lines)
