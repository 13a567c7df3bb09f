"""The whole process in local mode, in this event loop: web, bot, scheduler, stand-ins."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from twilio.request_validator import RequestValidator

from bot.config import load_settings
from bot.local.standins.telegram_api import TelegramStandIn
from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.staff.onboarding import create_invitation
from storage.message_models import InboundMessage, OutboxMessage
from storage.models import Channel, Invitation, OutboxStatus, StaffRole, StaffUser
from tests.conftest import eventually, free_port, migrated_sqlite
from tests.factories import convenor


@pytest.fixture
async def database_url(tmp_path) -> str:
    return migrated_sqlite(tmp_path)


@pytest.fixture
async def local_process(database_url) -> AsyncIterator[FlerpartProcess]:
    settings = load_settings(environ={"DATABASE_URL": database_url, "PORT": "0"}, dotenv=None)
    process = FlerpartProcess(settings)
    await process.start()
    try:
        yield process
    finally:
        await process.stop()


async def test_local_mode_health_is_ok(local_process):
    async with aiohttp.ClientSession() as http:
        async with http.get(local_process.local_url + "/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"status": "ok"}


async def test_scheduler_runs_in_the_same_loop(local_process):
    application = local_process.services.telegram
    assert application is not None and application.job_queue is not None
    scheduler = application.job_queue.scheduler
    assert scheduler.running
    assert scheduler._eventloop is asyncio.get_running_loop()


@pytest.mark.parametrize("path", ["/twilio/sms", "/twilio/status"])
async def test_twilio_routes_refuse_missing_and_forged_signatures(local_process, path):
    url = local_process.local_url + path
    form = {
        "MessageSid": "SM" + "1" * 32,
        "From": "+46701740605",
        "Body": "JA",
        "MessageStatus": "delivered",
    }
    forged = RequestValidator("not-our-token").compute_signature(url, form)
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=form) as response:
            assert response.status == 403
        async with http.post(url, data=form, headers={"X-Twilio-Signature": forged}) as response:
            assert response.status == 403
        # A valid signature over a different body is forged too.
        good = RequestValidator(local_process.services.twilio_auth_token).compute_signature(
            url, form
        )
        changed = dict(form, Body="NEJ")
        async with http.post(url, data=changed, headers={"X-Twilio-Signature": good}) as response:
            assert response.status == 403
    assert await InboundMessage.all().count() == 0


async def test_signed_sms_from_an_unknown_number_gets_one_generic_sentence(local_process):
    standin = local_process.services.twilio_standin
    status, body = await standin.send_inbound("+46701740699", "Hej, vem är du?")
    assert status == 200
    assert "<Message>" in body and "känner inte igen" in body
    stored = await InboundMessage.get()
    assert stored.body == "" and "+46701740699" not in stored.sender_masked
    # The same MessageSid delivered again is handled once.
    sid = stored.provider_message_id
    status, body = await standin.send_inbound("+46701740699", "Hej, vem är du?", message_sid=sid)
    assert status == 200 and "<Message>" not in body
    assert await InboundMessage.all().count() == 1


async def test_telegram_webhook_route_is_absent_in_polling_mode(local_process):
    async with aiohttp.ClientSession() as http:
        async with http.post(local_process.local_url + "/telegram/webhook", json={}) as response:
            assert response.status == 404


async def test_unknown_telegram_user_gets_one_polite_sentence(local_process):
    standin = local_process.services.telegram_standin
    await standin.user_sends(4242, "/start", language_code="sv")
    [reply] = await standin.wait_for_bot_messages(4242, 1)
    assert reply["text"] == "Tyvärr, den här boten är bara för inbjuden personal."
    await standin.user_sends(4242, "visa alla möten", language_code="sv")
    replies = await standin.wait_for_bot_messages(4242, 2)
    assert replies[1]["text"] == reply["text"]
    assert await StaffUser.all().count() == 0


async def test_invited_convenor_joins_with_start_code(local_process):
    standin = local_process.services.telegram_standin
    code, _ = await create_invitation(StaffRole.CONVENOR, "Team Test")
    await standin.user_sends(777, f"/start {code}", first_name="Maja", language_code="en")
    [reply] = await standin.wait_for_bot_messages(777, 1)
    assert reply["text"].startswith("Welcome, Maja.")
    staff = await StaffUser.get(telegram_user_id=777)
    assert staff.role is StaffRole.CONVENOR and staff.language == "en"


# --- webhook mode: Telegram pushes updates to our route, guarded by the secret ---

WEBHOOK_TOKEN = "2000000002:webhook-test-token"
TWILIO = {  # production needs Twilio too; nothing is sent to it in these tests
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "configured-auth-token",
    "TWILIO_FROM": "+46700000001",
}


@pytest.fixture
async def webhook_process(database_url) -> AsyncIterator[tuple[FlerpartProcess, TelegramStandIn]]:
    standin = TelegramStandIn(WEBHOOK_TOKEN)
    server = TestServer(standin.app, host="127.0.0.1")
    await server.start_server()
    port = free_port()
    settings = load_settings(
        environ={
            "DATABASE_URL": database_url,
            "PORT": str(port),
            "TELEGRAM_BOT_TOKEN": WEBHOOK_TOKEN,
            "TELEGRAM_API_BASE_URL": str(server.make_url("/bot")),
            "TELEGRAM_WEBHOOK_SECRET": "our-webhook-secret",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            **TWILIO,
        },
        dotenv=None,
    )
    process = FlerpartProcess(settings)
    await process.start()
    try:
        yield process, standin
    finally:
        await process.stop()
        await server.close()


async def test_webhook_mode_registers_the_webhook_with_its_secret(webhook_process):
    process, standin = webhook_process
    assert standin.webhook == {
        "url": process.local_url + "/telegram/webhook",
        "secret_token": "our-webhook-secret",
    }


async def test_webhook_without_the_right_secret_is_forbidden(webhook_process):
    process, _ = webhook_process
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 5, "type": "private"},
            "text": "/start",
        },
    }
    url = process.local_url + "/telegram/webhook"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=update) as response:
            assert response.status == 403
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
        async with http.post(url, json=update, headers=wrong) as response:
            assert response.status == 403
        right = {"X-Telegram-Bot-Api-Secret-Token": "our-webhook-secret"}
        async with http.post(url, data=b"{not json", headers=right) as response:
            assert response.status == 400


async def test_start_by_webhook_is_answered(webhook_process):
    _, standin = webhook_process
    await standin.user_sends(9001, "/start", language_code="en")
    [reply] = await standin.wait_for_bot_messages(9001, 1)
    assert reply["text"] == "Sorry, this bot is only for invited staff."


async def test_oversized_webhook_body_is_a_clean_413(local_process):
    url = local_process.local_url + "/twilio/sms"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data={"Body": "x" * 300_000}) as response:
            assert response.status == 413


# --- the local-mode JSON API drives the stand-ins through the real handlers ---


def sim_session(process: FlerpartProcess) -> aiohttp.ClientSession:
    """A client as the page /sim is: it carries this run's key."""
    return aiohttp.ClientSession(headers={"X-Sim-Token": process.services.sim_token})


async def test_sim_api_invites_and_plays_a_telegram_user(local_process):
    base = local_process.local_url + "/sim/api"
    async with sim_session(local_process) as http:
        async with http.post(base + "/invite", json={"role": "convenor", "team": "Sim"}) as r:
            code = (await r.json())["code"]
        message = {"text": f"/start {code}", "first_name": "Sam", "language_code": "en"}
        async with http.post(base + "/telegram/31337/message", json=message) as r:
            assert r.status == 200
        await local_process.services.telegram_standin.wait_for_bot_messages(31337, 1)
        async with http.get(base + "/telegram/31337/transcript") as r:
            transcript = await r.json()
    assert [e["from"] for e in transcript] == ["user", "bot"]
    assert transcript[1]["text"].startswith("Welcome, Sam.")


async def test_sim_api_sends_a_signed_sms_through_our_webhook(local_process):
    base = local_process.local_url + "/sim/api"
    async with sim_session(local_process) as http:
        async with http.post(base + "/sms/+46701740690/message", json={"text": "Hej"}) as r:
            assert await r.json() == {"webhook_status": 200}
        async with http.get(base + "/sms/+46701740690/transcript") as r:
            transcript = await r.json()
    assert [e["direction"] for e in transcript] == ["in", "out"]
    assert transcript[1]["encoding"] == "GSM-7" and transcript[1]["parts"] == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/telegram/1/message", {"text": ""}),
        ("/telegram/1/message", {"text": "x" * 5000}),
        ("/telegram/1/message", ["not", "an", "object"]),
        ("/telegram/1/press", {"message_id": "one", "data": "x"}),
        ("/clock", {"advance_seconds": -5}),
        ("/clock", {"set": "yesterday"}),
        ("/invite", {"role": "king", "team": "T"}),
    ],
)
async def test_sim_api_answers_bad_input_with_400(local_process, path, body):
    async with sim_session(local_process) as http:
        async with http.post(local_process.local_url + "/sim/api" + path, json=body) as r:
            assert r.status == 400


async def test_sim_api_takes_only_json_from_its_own_page(local_process):
    """Issue 13: any web page a developer visited could drive the local instance."""
    base = local_process.local_url
    url, body = base + "/sim/api/invite", {"role": "admin", "team": "Evil"}
    key = {"X-Sim-Token": local_process.services.sim_token}
    evil = {"Origin": "https://evil.example"}
    plain = {"Content-Type": "text/plain"}
    refused = [
        ({**plain, **evil}, 403),  # what any page can send without a preflight
        ({}, 403),  # no key
        ({"X-Sim-Token": "guess"}, 403),
        ({**key, **evil}, 403),
        ({**key, "Origin": "null"}, 403),
        ({**key, "Host": "evil.example"}, 403),  # a name pointed at us (DNS rebinding)
        ({**key, **plain}, 415),
    ]
    async with aiohttp.ClientSession() as http:
        for headers, status in refused:
            data = json.dumps(body)
            sent = {"Content-Type": "application/json", **headers}
            async with http.post(url, data=data, headers=sent) as r:
                assert r.status == status, headers
        async with http.get(base + "/sim/api/demo") as r:
            assert r.status == 403  # reading wants the key too
        async with http.get(base + "/sim", headers={"Host": "evil.example"}) as r:
            assert r.status == 403  # so the page and its key do not reach that name
        async with http.get(base + "/sim") as r:
            assert f'data-token="{key["X-Sim-Token"]}"' in await r.text()
        async with http.post(url, json=body, headers={**key, "Origin": base}) as r:
            assert r.status == 200
    assert await Invitation.all().count() == 1


async def test_sim_api_press_on_a_missing_message_is_404(local_process):
    url = local_process.local_url + "/sim/api/telegram/5/press"
    async with sim_session(local_process) as http:
        async with http.post(url, json={"message_id": 99, "data": "x"}) as r:
            assert r.status == 404


async def test_sim_api_clock_moves_forward(local_process):
    url = local_process.local_url + "/sim/api/clock"
    async with sim_session(local_process) as http:
        async with http.get(url) as r:
            before = datetime.fromisoformat((await r.json())["now"])
        async with http.post(url, json={"advance_seconds": 86400}) as r:
            after = datetime.fromisoformat((await r.json())["now"])
    assert after - before >= timedelta(days=1)


async def test_sim_api_does_not_simulate_a_configured_telegram(webhook_process):
    process, _ = webhook_process
    url = process.local_url + "/sim/api/telegram/1/transcript"
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as r:
            assert r.status == 404


# --- Telegram unreachable: the web side stays up, the bot reconnects with backoff ---


async def _health(http: aiohttp.ClientSession, process: FlerpartProcess) -> tuple[int, dict]:
    async with http.get(process.local_url + "/healthz") as response:
        return response.status, await response.json()


CONVENOR_CHAT = 4711


async def test_telegram_down_at_start_and_later_leaves_webhooks_and_health_up(database_url, caplog):
    """Issue 13: this process used to exit 1 with a traceback, taking the webhooks along."""
    caplog.set_level(logging.INFO)
    port, telegram_port = free_port(), free_port()  # nothing listens on telegram_port yet
    public = f"http://127.0.0.1:{port}"
    environ = {
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "TELEGRAM_BOT_TOKEN": WEBHOOK_TOKEN,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{telegram_port}/bot",
        "TELEGRAM_WEBHOOK_SECRET": "our-webhook-secret",
        "PUBLIC_BASE_URL": public,
        **TWILIO,
    }
    process = FlerpartProcess(load_settings(environ=environ, dotenv=None))
    process.telegram_retry_first, process.telegram_retry_cap = 0.1, 0.4
    process.telegram_check_every = 0.2

    async def telegram_answering(token: str) -> tuple[TelegramStandIn, TestServer]:
        standin = TelegramStandIn(token)
        standin.user_has_started(CONVENOR_CHAT)
        server = TestServer(standin.app, host="127.0.0.1", port=telegram_port)
        await server.start_server()
        return standin, server

    async def health_becomes(http, expected):
        async def check():
            return await _health(http, process) == expected

        await eventually(check, timeout=10)

    def attempts() -> list[logging.LogRecord]:
        return [r for r in caplog.records if "(attempt " in r.getMessage()]

    down = (503, {"status": "degraded", "reason": "telegram unreachable"})
    await process.start()  # Telegram refuses connections: no exception
    try:
        async with aiohttp.ClientSession() as http:
            assert await _health(http, process) == down
            # Twilio's webhook is served and the SMS stored meanwhile.
            form = {"MessageSid": "SM" + "7" * 32, "From": "+46701740605", "Body": "JA"}
            signature = RequestValidator(TWILIO["TWILIO_AUTH_TOKEN"]).compute_signature(
                public + "/twilio/sms", form
            )
            headers = {"X-Twilio-Signature": signature}
            async with http.post(public + "/twilio/sms", data=form, headers=headers) as r:
                assert r.status == 200
            assert await InboundMessage.all().count() == 1

            async def tried(times: int) -> bool:
                return len(attempts()) >= times

            await eventually(lambda: tried(4))  # 0.1, 0.2, 0.4, 0.4 s apart

            # A message for Telegram waits, its attempts unspent (not failed after three).
            staff = await convenor(CONVENOR_CHAT)
            waiting = await OutboxMessage.create(
                staff_user=staff,
                channel=Channel.TELEGRAM,
                kind="digest",
                template="plain_text",
                params={"text": "Hej"},
                due_at=clock.now(),
                next_attempt_at=clock.now(),
            )
            process.services.dispatcher.wake()
            await asyncio.sleep(0.5)
            await waiting.refresh_from_db()
            assert (waiting.status, waiting.attempts) == (OutboxStatus.SCHEDULED, 0)

            # Telegram answers, but not to this token: still degraded, and says why.
            _, wrong = await telegram_answering("2000000002:another-token")
            rejected = (503, {"status": "degraded", "reason": "telegram rejected the bot token"})
            await health_becomes(http, rejected)
            await wrong.close()

            # Telegram is back: connected, webhook set, healthy.
            standin, server = await telegram_answering(WEBHOOK_TOKEN)
            await health_becomes(http, (200, {"status": "ok"}))
            await standin.wait_for_bot_messages(CONVENOR_CHAT, 1)  # the waiting one, now
            assert standin.webhook == {
                "url": public + "/telegram/webhook",
                "secret_token": "our-webhook-secret",
            }
            # Down while running, then back.
            await server.close()
            await health_becomes(http, down)
            _, server = await telegram_answering(WEBHOOK_TOKEN)
            await health_becomes(http, (200, {"status": "ok"}))
            await server.close()
    finally:
        await process.stop()

    lines = attempts()  # one line per attempt, no traceback
    assert all("\n" not in r.getMessage() and r.exc_info is None for r in lines)
    delays = [float(r.getMessage().split("next in ")[1].split(" s")[0]) for r in lines]
    assert delays[:4] == [0.1, 0.2, 0.4, 0.4] and max(delays) == 0.4  # doubling, capped
    # Never the token (httpx, which logs URLs, is held at WARNING by bot.logs).
    ours = [r for r in caplog.records if r.name.startswith("bot") or r.levelno >= logging.WARNING]
    assert not [r for r in ours if WEBHOOK_TOKEN.split(":")[1] in r.getMessage()]
