"""The real twilio client against the Twilio stand-in, over HTTP."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.local.standins.twilio_api import TwilioStandIn
from bot.sms.twilio_client import close_twilio_client, make_twilio_client
from flows.participants.sms_parts import sms_parts

SID, TOKEN = "AC" + "a" * 32, "stand-in-auth-token"
OURS = "+46700000000"
AMINA = "+46701740605"


class Receiver:
    """Plays our service: keeps callbacks and inbound SMS whose signature is valid."""

    def __init__(self) -> None:
        self.accepted: list[dict] = []
        self.rejected = 0
        self.app = web.Application()
        self.app.router.add_post("/twilio/{kind}", self.receive)
        self.base = ""

    async def receive(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        if not RequestValidator(TOKEN).validate(self.base + request.raw_path, form, signature):
            self.rejected += 1
            return web.Response(status=403)
        self.accepted.append({"kind": request.match_info["kind"], **form})
        if request.match_info["kind"] == "sms":
            return web.Response(
                text="<Response><Message>Tack!</Message></Response>", content_type="text/xml"
            )
        return web.Response(status=204)

    def statuses(self) -> list[dict]:
        return [entry for entry in self.accepted if entry["kind"] == "status"]


@dataclass
class Env:
    standin: TwilioStandIn
    receiver: Receiver
    client: Client
    url: str  # where the stand-in listens


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    server = TestServer(receiver.app, host="127.0.0.1")
    await server.start_server()
    receiver.base = str(server.make_url("")).rstrip("/")
    try:
        yield receiver
    finally:
        await server.close()


@pytest.fixture
async def env(receiver: Receiver) -> AsyncIterator[Env]:
    standin = TwilioStandIn(SID, TOKEN, webhook_base_url=receiver.base, callback_delay=0.01)
    server = TestServer(standin.app, host="127.0.0.1")
    await server.start_server()
    url = str(server.make_url("")).rstrip("/")
    client = make_twilio_client(SID, TOKEN, base_url=url, timeout=0.5)
    try:
        yield Env(standin, receiver, client, url)
    finally:
        await close_twilio_client(client)
        await standin.close()
        await server.close()


async def test_a_message_is_accepted_and_reported_delivered_with_signed_callbacks(env: Env):
    standin, receiver = env.standin, env.receiver
    message = await env.client.messages.create_async(
        to=AMINA,
        from_=OURS,
        body="Hej Amina! Mötet är på tisdag.",
        status_callback=receiver.base + "/twilio/status?o=7",
    )
    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert (message.status, message.num_segments, message.to) == ("queued", "1", AMINA)
    assert isinstance(message.date_created, datetime) and message.error_code is None
    await standin.wait_for_status(message.sid, "delivered")
    assert [c["MessageStatus"] for c in receiver.statuses()] == ["sent", "delivered"]
    assert receiver.rejected == 0
    assert all(c["MessageSid"] == message.sid and c["To"] == AMINA for c in receiver.statuses())
    [record] = await standin.wait_for_sent(1)
    assert (record["parts"], record["encoding"], record["from"]) == (1, "GSM-7", OURS)
    assert record["status_callback"] == receiver.base + "/twilio/status?o=7"
    fetched = await env.client.messages(message.sid).fetch_async()
    assert fetched.status == "delivered" and isinstance(fetched.date_sent, datetime)
    assert standin.transcript(AMINA) == [
        {
            "direction": "out",
            "text": "Hej Amina! Mötet är på tisdag.",
            "status": "delivered",
            "parts": 1,
            "encoding": "GSM-7",
        }
    ]


async def test_a_long_ucs2_message_counts_its_segments(env: Env):
    body = "Välkommen 😀 till mötet på tisdag kl. 10. " * 5
    expected = sms_parts(body)
    assert expected.encoding == "UCS-2" and expected.parts > 1
    message = await env.client.messages.create_async(
        to=AMINA, messaging_service_sid="MG" + "0" * 32, body=body
    )
    assert message.num_segments == str(expected.parts)
    record = env.standin.sent[0]
    assert (record["parts"], record["encoding"]) == (expected.parts, "UCS-2")
    assert record["messaging_service_sid"] == "MG" + "0" * 32 and record["from"] is None


@pytest.mark.parametrize(("behaviour", "code"), [("invalid", 21211), ("unsubscribed", 21610)])
async def test_permanent_errors_carry_twilio_codes(env: Env, behaviour, code):
    env.standin.set_number_behaviour("+46701740606", behaviour)
    with pytest.raises(TwilioRestException) as caught:
        await env.client.messages.create_async(to="+46701740606", from_=OURS, body="Hej")
    assert (caught.value.code, caught.value.status) == (code, 400)
    assert env.standin.sent == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"to": "0701740605", "from_": OURS, "body": "Hej"}, 21211),
        ({"to": AMINA, "from_": OURS}, 21602),
        ({"to": AMINA, "body": "Hej"}, 21603),
        ({"to": AMINA, "from_": OURS, "body": "a" * 1601}, 21617),
    ],
)
async def test_malformed_requests_get_twilios_codes(env: Env, fields, code):
    with pytest.raises(TwilioRestException) as caught:
        await env.client.messages.create_async(**fields)
    assert (caught.value.code, caught.value.status) == (code, 400)


async def test_stop_opts_out_and_start_opts_back_in(env: Env):
    standin = env.standin
    await standin.send_inbound("+46701740607", " Stop ")
    with pytest.raises(TwilioRestException) as caught:
        await env.client.messages.create_async(to="+46701740607", from_=OURS, body="Hej")
    assert caught.value.code == 21610
    # The TwiML reply to STOP is blocked too.
    assert standin.transcript("+46701740607")[-1]["status"] == "failed"
    await standin.send_inbound("+46701740607", "START")
    await env.client.messages.create_async(to="+46701740607", from_=OURS, body="Hej")


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500), (503, 20503)])
async def test_injected_http_errors_reach_the_client(env: Env, status, code):
    env.standin.fail_next(status, times=2)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as caught:
            await env.client.messages.create_async(to=AMINA, from_=OURS, body="Hej")
        assert (caught.value.status, caught.value.code) == (status, code)
    await env.client.messages.create_async(to=AMINA, from_=OURS, body="Hej")
    assert len(env.standin.sent) == 1


@pytest.mark.parametrize(("sid", "token"), [(SID, "wrong"), ("AC" + "b" * 32, TOKEN)])
async def test_wrong_credentials_are_401(env: Env, sid, token):
    client = make_twilio_client(sid, token, base_url=env.url)
    try:
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(to=AMINA, from_=OURS, body="Hej")
        assert (caught.value.status, caught.value.code) == (401, 20003)
    finally:
        await close_twilio_client(client)
    assert env.standin.sent == []


async def test_a_hung_twilio_times_out(env: Env):
    # Twilio's own AsyncTwilioHttpClient would wait the full 30 s here (issue #925).
    env.standin.hang_next(seconds=30)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await env.client.messages.create_async(to=AMINA, from_=OURS, body="Hej")
    assert time.monotonic() - started < 2
    await env.client.messages.create_async(to=AMINA, from_=OURS, body="Hej")  # hang used up


@pytest.mark.parametrize(("behaviour", "code"), [("undelivered", 30003), ("failed", 30006)])
async def test_undeliverable_numbers_end_with_an_error_code(env: Env, behaviour, code):
    standin, receiver = env.standin, env.receiver
    standin.set_number_behaviour("+46701740608", behaviour)
    message = await env.client.messages.create_async(
        to="+46701740608", from_=OURS, body="Hej", status_callback=receiver.base + "/twilio/status"
    )
    await standin.wait_for_status(message.sid, behaviour)
    statuses = receiver.statuses()
    assert [c["MessageStatus"] for c in statuses] == ["sent", behaviour]
    assert "ErrorCode" not in statuses[0] and statuses[-1]["ErrorCode"] == str(code)
    fetched = await env.client.messages(message.sid).fetch_async()
    assert (fetched.status, fetched.error_code) == (behaviour, code)


async def test_an_unreachable_status_callback_is_ignored(env: Env):
    message = await env.client.messages.create_async(
        to=AMINA, from_=OURS, body="Hej", status_callback="http://127.0.0.1:1/twilio/status"
    )
    await env.standin.wait_for_status(message.sid, "delivered")


async def test_inbound_sms_is_signed_and_the_twiml_reply_is_sent_back(env: Env):
    standin, receiver = env.standin, env.receiver
    status, text = await standin.send_inbound("+46701740609", "JA", message_sid="SM" + "1" * 32)
    assert status == 200 and "Tack!" in text and receiver.rejected == 0
    [inbound] = receiver.accepted
    assert (inbound["kind"], inbound["Body"], inbound["From"], inbound["To"]) == (
        "sms",
        "JA",
        "+46701740609",
        OURS,
    )
    assert inbound["MessageSid"] == inbound["SmsSid"] == inbound["SmsMessageSid"] == "SM" + "1" * 32
    assert (inbound["AccountSid"], inbound["NumMedia"], inbound["NumSegments"]) == (SID, "0", "1")
    assert inbound["FromCountry"] == inbound["ToCountry"] == "SE"
    assert "MessagingServiceSid" not in inbound


async def test_the_receiver_really_checks_signatures(receiver: Receiver):
    # Otherwise the signature assertions above would prove nothing.
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            receiver.base + "/twilio/sms",
            data={"From": AMINA, "Body": "JA"},
            headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        ) as response,
    ):
        assert response.status == 403
    assert receiver.rejected == 1


async def test_the_transcript_shows_both_directions_with_statuses(env: Env):
    standin = env.standin
    await standin.send_inbound(AMINA, "Hej, kan jag ta med min kontaktperson?")
    message = await env.client.messages.create_async(to=AMINA, from_=OURS, body="Ja, gärna 😀")
    assert [e["direction"] for e in standin.transcript(AMINA)] == ["in", "out", "out"]
    await standin.wait_for_status(message.sid, "delivered")
    assert standin.transcript(AMINA) == [
        {
            "direction": "in",
            "text": "Hej, kan jag ta med min kontaktperson?",
            "status": "received",
            "parts": 1,
            "encoding": "GSM-7",
        },
        {
            "direction": "out",
            "text": "Tack!",
            "status": "delivered",
            "parts": 1,
            "encoding": "GSM-7",
        },
        {
            "direction": "out",
            "text": "Ja, gärna 😀",
            "status": "delivered",
            "parts": 1,
            "encoding": "UCS-2",
        },
    ]
    assert standin.transcript("+46701740699") == []


async def test_works_mounted_under_a_prefix(receiver: Receiver):
    standin = TwilioStandIn(SID, TOKEN, callback_delay=0.01)
    parent = web.Application()
    parent.add_subapp("/_standin/twilio", standin.app)
    server = TestServer(parent, host="127.0.0.1")
    await server.start_server()
    standin.webhook_base_url = receiver.base  # known only once our service listens
    client = make_twilio_client(SID, TOKEN, base_url=str(server.make_url("/_standin/twilio")))
    try:
        message = await client.messages.create_async(
            to=AMINA, from_=OURS, body="Hej", status_callback=receiver.base + "/twilio/status"
        )
        assert standin.sent[0]["sid"] == message.sid
        await standin.wait_for_status(message.sid, "delivered")
        fetched = await client.messages(message.sid).fetch_async()
        assert fetched.status == "delivered"
        status, _ = await standin.send_inbound(AMINA, "JA")
        assert status == 200
        assert [c["kind"] for c in receiver.accepted] == ["status", "status", "sms"]
        assert receiver.rejected == 0
    finally:
        await close_twilio_client(client)
        await standin.close()
        await server.close()


async def test_environment_region_does_not_reroute_the_stand_in(
    env: Env, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    monkeypatch.setenv("TWILIO_EDGE", "dublin")
    client = make_twilio_client(SID, TOKEN, base_url=env.url)
    try:
        await client.messages.create_async(to=AMINA, from_=OURS, body="Hej")
    finally:
        await close_twilio_client(client)
    assert len(env.standin.sent) == 1
