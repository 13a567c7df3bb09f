"""The Twilio stand-in calling us: delivery status callbacks and inbound SMS, each signed
as Twilio signs them, and the TwiML answer read back into the transcript."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Coroutine
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Literal
from xml.etree import ElementTree

import aiohttp
import phonenumbers

from flows.participants.sms_parts import sms_parts

log = logging.getLogger(__name__)

Behaviour = Literal["invalid", "unsubscribed", "undelivered", "failed", "ok"]

API_VERSION = "2010-04-01"


# Twilio's default opt-out / opt-in keywords (matched on the whole trimmed body).
_STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}


_START_WORDS = {"START", "UNSTOP", "YES"}


_FINAL = {"undelivered": ("undelivered", "30003"), "failed": ("failed", "30006")}


_CALLBACK_TIMEOUT = aiohttp.ClientTimeout(total=15)  # Twilio gives webhooks 15 s


def _country(phone: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone)) or ""
    except phonenumbers.NumberParseException:
        return ""


def rfc2822_now() -> str:
    return format_datetime(datetime.now(UTC))  # "Sun, 22 Nov 2026 16:20:13 +0000", as Twilio


class TwilioWebhooks:
    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _progress(self, record: dict, behaviour: Behaviour) -> None:
        final, code = _FINAL.get(behaviour, ("delivered", None))
        for status in ("sent", final):
            await asyncio.sleep(self.callback_delay)
            record["status"] = status
            record["date_updated"] = rfc2822_now()
            if status == "sent":
                record["date_sent"] = record["date_updated"]
            if status == final and code:
                record["error_code"] = int(code)
            for entry in self._log:
                if entry.get("sid") == record["sid"]:
                    entry["status"] = status
            if record["status_callback"]:
                fields = {
                    "MessageSid": record["sid"],
                    "SmsSid": record["sid"],
                    "MessageStatus": status,
                    "SmsStatus": status,
                    "AccountSid": self.account_sid,
                    "From": record["from"] or self.our_number,
                    "To": record["to"],
                    "ApiVersion": API_VERSION,
                }
                if record["messaging_service_sid"]:
                    fields["MessagingServiceSid"] = record["messaging_service_sid"]
                if status == final and code:
                    fields["ErrorCode"] = code
                await self._post_signed(record["status_callback"], fields)
            # Waiters wake after the callback was answered, so they see its effect.
            await self._notify()

    async def _post_signed(self, url: str, fields: dict[str, str]) -> tuple[int, str]:
        """POSTs `fields` to `url` signed as Twilio signs; (0, "") when it cannot be reached."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=_CALLBACK_TIMEOUT)
        signature = self._validator.compute_signature(url, fields)
        try:
            async with self._session.post(
                url, data=fields, headers={"X-Twilio-Signature": signature}
            ) as response:
                return response.status, await response.text()
        except (aiohttp.ClientError, TimeoutError) as error:
            # Twilio does not retry a failed callback either; our service must cope.
            log.debug("Twilio stand-in: POST to %s failed: %r", url, error)
            return 0, ""

    async def send_inbound(
        self,
        from_: str,
        body: str,
        *,
        message_sid: str | None = None,
        to: str | None = None,
        webhook_base_url: str | None = None,
    ) -> tuple[int, str]:
        """An SMS from `from_` to our number, posted signed to our `/twilio/sms` (at
        `webhook_base_url`, by default the one set: shared stand-ins serve several replicas)."""
        base_url = webhook_base_url or self.webhook_base_url
        if not base_url:
            raise RuntimeError("Twilio stand-in: set webhook_base_url first")
        sid = message_sid or "SM" + secrets.token_hex(16)
        to = to or self.our_number
        parts = sms_parts(body)
        fields = {
            "ToCountry": _country(to),
            "ToState": "",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": body,
            "FromCountry": _country(from_),
            "To": to,
            "ToZip": "",
            "NumSegments": str(parts.parts),
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": from_,
            "ApiVersion": API_VERSION,
        }
        if self.messaging_service_sid:
            fields["MessagingServiceSid"] = self.messaging_service_sid
        self._log.append(
            {
                "phone": from_,
                "direction": "in",
                "text": body,
                "status": "received",
                "parts": parts.parts,
                "encoding": parts.encoding,
                "sid": sid,
            }
        )
        # Twilio acts on opt-out keywords itself, before (and whatever) our service answers.
        keyword = body.strip().upper()
        if keyword in _STOP_WORDS:
            self._opted_out.add(from_)
        elif keyword in _START_WORDS:
            self._opted_out.discard(from_)
        status, text = await self._post_signed(base_url + "/twilio/sms", fields)
        if status == 200:
            self._reply_from_twiml(from_, text)
        await self._notify()
        return status, text

    def _reply_from_twiml(self, phone: str, twiml: str) -> None:
        """Twilio sends each <Message> of the webhook's answer back to the sender."""
        try:
            root = ElementTree.fromstring(twiml)
        except ElementTree.ParseError:
            return
        for element in root.iter("Message"):
            reply = "".join(element.itertext())
            parts = sms_parts(reply)
            self._log.append(
                {
                    "phone": phone,
                    "direction": "out",
                    "text": reply,
                    # An opted-out number gets nothing, TwiML replies included (21610).
                    "status": "failed" if phone in self._opted_out else "delivered",
                    "parts": parts.parts,
                    "encoding": parts.encoding,
                    "sid": None,
                }
            )
