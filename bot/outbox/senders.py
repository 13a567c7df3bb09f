"""The two channels the dispatcher sends through, with their errors sorted into
retry-later and give-up. Pacing: each provider's own limit, enforced here.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

import aiohttp
from aiolimiter import AsyncLimiter
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.telegram.callbacks import meeting_callback
from flows.participants.sms_parts import sms_parts
from storage.outbox import RowButton


def evenly_spaced(per_second: float) -> AsyncLimiter:
    """One send every 1/rate seconds: a bucket of one never bursts, so no sliding
    one-second window ever holds more than the rate."""
    return AsyncLimiter(1, 1 / per_second)


class RetryLater(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class GiveUp(Exception):
    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class Sent:
    provider_id: str | None
    parts: int | None = None


Buttons = list[list[RowButton]]


class Sender(Protocol):
    async def send(self, address: str, text: str, *, outbox_id: int, buttons: Buttons) -> Sent: ...


def keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """An outbox row's buttons as Telegram's inline keyboard: the one place where their
    callbacks are encoded (the meeting-button format the convenor's handlers read)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    b.label, callback_data=meeting_callback(b.meeting_id, b.action, *b.args)
                )
                for b in row
            ]
            for row in buttons
        ]
    )


# Twilio answers these for problems a retry cannot fix.
_SMS_PERMANENT_STATUS = {400, 401, 403, 404}


class SmsSender:
    """Twilio's Messages API; one pace for our sending number (long codes: 1/s)."""

    def __init__(
        self,
        client: Client,
        *,
        from_: str | None,
        messaging_service_sid: str | None,
        status_callback_base: str,
        per_second: float = 1.0,
    ) -> None:
        self._client = client
        self._sender = (
            {"from_": from_} if from_ else {"messaging_service_sid": messaging_service_sid}
        )
        self._callback_base = status_callback_base
        self._limiter = evenly_spaced(per_second)

    async def send(self, address: str, text: str, *, outbox_id: int, buttons: Buttons) -> Sent:
        # An SMS carries no buttons: a row with buttons is meant for Telegram.
        async with self._limiter:
            try:
                message = await self._client.messages.create_async(
                    to=address,
                    body=text,
                    # Our row id in the URL: a report that overtakes our own bookkeeping
                    # still finds its message.
                    status_callback=f"{self._callback_base}/twilio/status?o={outbox_id}",
                    **self._sender,
                )
            except TwilioRestException as error:
                code = str(error.code) if error.code else None
                if error.status == 429 or error.status >= 500:
                    raise RetryLater(f"twilio HTTP {error.status}") from None
                if error.status in _SMS_PERMANENT_STATUS or code:
                    raise GiveUp(f"twilio error {code or error.status}", code) from None
                raise RetryLater(f"twilio HTTP {error.status}") from None
            except (TimeoutError, aiohttp.ClientError) as error:
                raise RetryLater(f"twilio unreachable ({type(error).__name__})") from None
        parts = int(message.num_segments) if message.num_segments else sms_parts(text).parts
        return Sent(message.sid, parts)


class TelegramSender:
    """Bot API: 30 messages/s overall and 1/s per chat."""

    def __init__(
        self, bot: Bot, *, per_second: float = 30.0, per_chat_seconds: float = 1.0
    ) -> None:
        self._bot = bot
        self._overall = evenly_spaced(per_second)
        self._per_chat_seconds = per_chat_seconds
        self._chats: OrderedDict[str, AsyncLimiter] = OrderedDict()

    def _chat_limiter(self, chat: str) -> AsyncLimiter:
        limiter = self._chats.pop(chat, None) or evenly_spaced(1 / self._per_chat_seconds)
        self._chats[chat] = limiter
        if len(self._chats) > 10_000:  # forget the least recently used chats
            self._chats.popitem(last=False)
        return limiter

    async def send(self, address: str, text: str, *, outbox_id: int, buttons: Buttons) -> Sent:
        markup = keyboard(buttons)
        async with self._chat_limiter(address), self._overall:
            try:
                message = await self._bot.send_message(
                    chat_id=int(address), text=text, reply_markup=markup
                )
            except RetryAfter as error:
                wait = error.retry_after  # a timedelta: PTB_TIMEDELTA is set in bot/__init__
                raise RetryLater("telegram flood control", wait.total_seconds()) from None
            except Forbidden:
                raise GiveUp("telegram: bot blocked by the user", "blocked") from None
            except BadRequest as error:
                raise GiveUp(f"telegram: {error.message}", "bad_request") from None
            except (TimeoutError, TimedOut, NetworkError) as error:
                raise RetryLater(f"telegram unreachable ({type(error).__name__})") from None
        return Sent(str(message.message_id))
