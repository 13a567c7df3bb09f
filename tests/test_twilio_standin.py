"""The real twilio client against the Twilio stand-in, over HTTP."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from bot.standins.twilio_api import TwilioStandIn
from bot.twilio_client import close_twilio_client, make_twilio_client

SID, TOKEN = "AC" + "a" * 32, "stand-in-auth-token"
OURS = "+46700000000"


class Receiver:
    """Plays our service: records callbacks and inbound SMS whose signature is valid."""

    def __init__(self) -> None:
        self.accepted: list[dict] = []
        self.rejected = 0
        self.app = web.Application()
        self.app.router.add_post("/twilio/{kind}", self.receive)
        self.base = ""

    async def receive(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
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


@pytest.fixture
async def env() -> AsyncIterator[tuple[TwilioStandIn, Receiver, object]]:
    receiver = Receiver()
    receiver_server = TestServer(receiver.app, host="127.0.0.1")
    await receiver_server.start_server()
    receiver.base = str(receiver_server.make_url("")).rstrip("/")
    standin = TwilioStandIn(SID, TOKEN, webhook_base_url=receiver.base, callback_delay=0.01)
    server = TestServer(standin.app, host="127.0.0.1")
    await server.start_server()
    client = make_twilio_client(SID, TOKEN, base_url=str(server.make_url("")), timeout=0.5)
    try:
        yield standin, receiver, client
    finally:
        await close_twilio_client(client)
        await standin.close()
        await server.close()
        await receiver_server.close()


async def test_a_message_is_accepted_and_reported_delivered_with_signed_callbacks(env):
    standin, receiver, client = env
    message = await client.messages.create_async(
        to="+46701740605",
        from_=OURS,
        body="Hej Amina! Mötet är på tisdag.",
        status_callback=receiver.base + "/twilio/status?o=7",
    )
    assert message.sid.startswith("SM") and message.status == "queued"
    assert message.num_segments == "1"
    await standin.wait_for_status(message.sid, "delivered")
    await standin.wait_for_sent(1)
    statuses = [c["MessageStatus"] for c in receiver.accepted if c["kind"] == "status"]
    assert statuses == ["sent", "delivered"] and receiver.rejected == 0
    assert standin.transcript("+46701740605") == [
        {
            "direction": "out",
            "text": "Hej Amina! Mötet är på tisdag.",
            "status": "delivered",
            "parts": 1,
            "encoding": "GSM-7",
        }
    ]


@pytest.mark.parametrize(("behaviour", "code"), [("invalid", 21211), ("unsubscribed", 21610)])
async def test_permanent_errors_carry_twilio_codes(env, behaviour, code):
    standin, _, client = env
    standin.set_number_behaviour("+46701740606", behaviour)
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to="+46701740606", from_=OURS, body="Hej")
    assert caught.value.code == code and caught.value.status == 400


async def test_a_malformed_number_is_21211(env):
    _, _, client = env
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to="0701740605", from_=OURS, body="Hej")
    assert caught.value.code == 21211


async def test_stop_opts_out_and_start_opts_back_in(env):
    standin, _, client = env
    await standin.send_inbound("+46701740607", "Stop")
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to="+46701740607", from_=OURS, body="Hej")
    assert caught.value.code == 21610
    await standin.send_inbound("+46701740607", "START")
    await client.messages.create_async(to="+46701740607", from_=OURS, body="Hej")


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_injected_http_errors_reach_the_client(env, status):
    standin, _, client = env
    standin.fail_next(status)
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to="+46701740605", from_=OURS, body="Hej")
    assert caught.value.status == status
    await client.messages.create_async(to="+46701740605", from_=OURS, body="Hej")


async def test_wrong_credentials_are_401(env):
    standin, _, _ = env
    server = TestServer(standin.app, host="127.0.0.1")
    await server.start_server()
    client = make_twilio_client(SID, "wrong", base_url=str(server.make_url("")))
    try:
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(to="+46701740605", from_=OURS, body="Hej")
        assert caught.value.status == 401
    finally:
        await close_twilio_client(client)
        await server.close()


async def test_a_hung_twilio_times_out(env):
    standin, _, client = env
    standin.hang_next(seconds=5)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await client.messages.create_async(to="+46701740605", from_=OURS, body="Hej")
    assert time.monotonic() - started < 2


async def test_undelivered_ends_with_error_code_30003(env):
    standin, receiver, client = env
    standin.set_number_behaviour("+46701740608", "undelivered")
    message = await client.messages.create_async(
        to="+46701740608", from_=OURS, body="Hej", status_callback=receiver.base + "/twilio/status"
    )
    await standin.wait_for_status(message.sid, "undelivered")
    last = [c for c in receiver.accepted if c["kind"] == "status"][-1]
    assert (last["MessageStatus"], last["ErrorCode"]) == ("undelivered", "30003")


async def test_inbound_sms_is_signed_and_the_twiml_reply_is_sent_back(env):
    standin, receiver, _ = env
    status, _ = await standin.send_inbound("+46701740609", "JA")
    assert status == 200 and receiver.rejected == 0
    assert receiver.accepted[0]["Body"] == "JA" and receiver.accepted[0]["To"] == OURS
    assert [e["direction"] for e in standin.transcript("+46701740609")] == ["in", "out"]
    assert standin.transcript("+46701740609")[1]["text"] == "Tack!"


async def test_works_mounted_under_a_prefix():
    standin = TwilioStandIn(SID, TOKEN)
    parent = web.Application()
    parent.add_subapp("/_standin/twilio", standin.app)
    server = TestServer(parent, host="127.0.0.1")
    await server.start_server()
    client = make_twilio_client(SID, TOKEN, base_url=str(server.make_url("/_standin/twilio")))
    try:
        message = await client.messages.create_async(to="+46701740605", from_=OURS, body="Hej")
        assert standin.sent[0]["sid"] == message.sid
    finally:
        await close_twilio_client(client)
        await standin.close()
        await server.close()
