"""Our Twilio webhook under hostile and heavy input: replays, malformed forms, a flood.

The flood: 10,000 signed SMS from 1,000 numbers inside a minute over loopback. Each is
recorded exactly once, and /healthz keeps answering within a second throughout.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from twilio.request_validator import RequestValidator

from bot.process import FlerpartProcess
from storage.message_models import InboundMessage
from tests.conftest import local_process

FLOOD_MESSAGES = 10_000
FLOOD_NUMBERS = 1_000
IN_FLIGHT = 32  # concurrent senders: Twilio itself posts many at once


def _signed(process: FlerpartProcess, form: dict[str, str]) -> tuple[str, dict[str, str]]:
    url = process.local_url + "/twilio/sms"
    validator = RequestValidator(process.services.twilio_auth_token)
    return url, {"X-Twilio-Signature": validator.compute_signature(url, form)}


def _form(sid: int, sender: str, body: str = "hej") -> dict[str, str]:
    return {"MessageSid": f"SM{sid:032x}", "From": sender, "To": "+46700000000", "Body": body}


async def test_a_replayed_signed_request_is_recorded_once(tmp_path):
    async with local_process(tmp_path) as process, aiohttp.ClientSession() as http:
        form = _form(1, "+46709999999")
        url, headers = _signed(process, form)
        for _ in range(3):
            async with http.post(url, data=form, headers=headers) as response:
                assert response.status == 200
        assert await InboundMessage.filter(provider_message_id=form["MessageSid"]).count() == 1


async def test_malformed_or_incomplete_forms_get_a_clean_400(tmp_path):
    async with local_process(tmp_path) as process, aiohttp.ClientSession() as http:
        incomplete = {"From": "+46709999999", "Body": "hej"}  # no MessageSid
        url, headers = _signed(process, incomplete)
        async with http.post(url, data=incomplete, headers=headers) as response:
            assert response.status == 400
        garbage = b"\xff\xfe=%%%&&=="
        headers = {**headers, "Content-Type": "multipart/form-data; boundary=nothing"}
        async with http.post(url, data=garbage, headers=headers) as response:
            assert response.status in (400, 403, 415)  # Twilio posts urlencoded forms only
        assert await InboundMessage.all().count() == 0


@pytest.mark.timing  # /healthz latency on the wall clock: not beside another worker's tests
async def test_a_flood_is_recorded_exactly_once_and_health_stays_fast(tmp_path, database_env):
    async with local_process(tmp_path, **database_env) as process:
        senders = [f"+4670{index:07d}" for index in range(FLOOD_NUMBERS)]
        queue: asyncio.Queue[int] = asyncio.Queue()
        for sid in range(FLOOD_MESSAGES):
            queue.put_nowait(sid)
        statuses: list[int] = []
        health: list[float] = []
        done = asyncio.Event()

        async def sender(http: aiohttp.ClientSession) -> None:
            while not queue.empty():
                sid = queue.get_nowait()
                form = _form(sid, senders[sid % FLOOD_NUMBERS], body=f"meddelande {sid}")
                url, headers = _signed(process, form)
                async with http.post(url, data=form, headers=headers) as response:
                    statuses.append(response.status)

        async def probe(http: aiohttp.ClientSession) -> None:
            while not done.is_set():
                started = time.monotonic()
                async with http.get(process.local_url + "/healthz") as response:
                    assert response.status == 200
                health.append(time.monotonic() - started)
                await asyncio.sleep(0.1)

        connector = aiohttp.TCPConnector(limit=IN_FLIGHT + 2)
        async with aiohttp.ClientSession(connector=connector) as http:
            probing = asyncio.create_task(probe(http))
            started = time.monotonic()
            await asyncio.gather(*(sender(http) for _ in range(IN_FLIGHT)))
            elapsed = time.monotonic() - started
            done.set()
            await probing
        assert statuses == [200] * FLOOD_MESSAGES
        assert elapsed < 60, f"{FLOOD_MESSAGES} messages took {elapsed:.1f} s"
        assert await InboundMessage.all().count() == FLOOD_MESSAGES
        distinct = await InboundMessage.all().distinct().values_list("sender_masked", flat=True)
        assert len(health) > 5 and max(health) < 1.0, f"slowest /healthz {max(health):.2f} s"
        # Unknown numbers: only the masked number and the fact are kept, no text.
        assert not await InboundMessage.exclude(body="").exists()
        assert all("***" in masked for masked in distinct)
