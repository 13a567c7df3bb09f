"""The Telegram stand-in answers python-telegram-bot like the Bot API does, over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter

from bot.local.standins.telegram_api import TelegramStandIn

TOKEN = "123456:stand-in-test"


@pytest.fixture
async def standin() -> AsyncIterator[TelegramStandIn]:
    yield TelegramStandIn(TOKEN)


@pytest.fixture
async def bot(standin) -> AsyncIterator[Bot]:
    server = TestServer(standin.app, host="127.0.0.1")
    await server.start_server()
    async with Bot(TOKEN, base_url=str(server.make_url("/bot"))) as client:
        yield client
    await server.close()


async def test_get_me_names_the_local_bot(bot):
    assert bot.username == "flerpart_local_bot"
    assert (await bot.get_me()).is_bot


async def test_get_updates_returns_injected_messages_and_offset_confirms(bot, standin):
    await standin.user_sends(11, "hej")
    [update] = await bot.get_updates(timeout=0)
    assert update.message.text == "hej" and update.effective_user.id == 11
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()


async def test_long_poll_returns_as_soon_as_an_update_arrives(bot, standin):
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await standin.user_sends(12, "/start")
    async with asyncio.timeout(2):
        [update] = await poll
    assert update.message.text == "/start"
    assert update.message.entities[0].type == "bot_command"


async def test_buttons_presses_and_edits_show_in_the_transcript(bot, standin):
    await standin.user_sends(13, "hi")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="y:1")]])
    sent = await bot.send_message(13, "Ready?", reply_markup=markup)
    transcript = standin.transcript(13)
    assert transcript[-1] == {
        "from": "bot",
        "message_id": sent.message_id,
        "text": "Ready?",
        "buttons": [[{"text": "Yes", "data": "y:1"}]],
    }
    raw = await standin.user_presses(13, sent.message_id, "y:1")
    update = Update.de_json(raw, bot)
    assert update.callback_query.data == "y:1"
    assert update.callback_query.message.message_id == sent.message_id
    await update.callback_query.answer("Saved")
    assert standin.answered_callbacks[-1]["text"] == "Saved"
    await bot.edit_message_text("Done.", chat_id=13, message_id=sent.message_id)
    assert standin.transcript(13)[-1]["text"] == "Done."
    assert standin.transcript(13)[-1]["buttons"] == []


async def test_unchanged_edit_is_a_bad_request(bot, standin):
    await standin.user_sends(14, "hi")
    sent = await bot.send_message(14, "Same")
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("Same", chat_id=14, message_id=sent.message_id)


async def test_unknown_chat_and_empty_or_long_text_are_bad_requests(bot, standin):
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "hello")
    await standin.user_sends(15, "hi")
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(15, "x" * 4097)


async def test_blocked_chat_is_forbidden(bot, standin):
    await standin.user_sends(16, "hi")
    standin.block_chat(16)
    with pytest.raises(Forbidden):
        await bot.send_message(16, "hello")


async def test_injected_flood_control_is_retry_after(bot, standin):
    await standin.user_sends(17, "hi")
    standin.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(17, "hello")
    assert caught.value.retry_after.total_seconds() == 3
    await bot.send_message(17, "hello")  # only the next call failed


async def test_webhook_mode_posts_updates_with_the_secret(bot, standin):
    received: list[tuple[str | None, dict]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response()

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    server = TestServer(receiver, host="127.0.0.1")
    await server.start_server()
    try:
        await bot.set_webhook(str(server.make_url("/hook")), secret_token="s3cret")
        await standin.user_sends(18, "/start")
        assert received[0][0] == "s3cret"
        assert received[0][1]["message"]["text"] == "/start"
        with pytest.raises(Conflict):
            await bot.get_updates(timeout=0)
        await bot.delete_webhook()
        assert standin.webhook is None
    finally:
        await server.close()


async def test_commands_are_kept_per_language(bot, standin):
    await bot.set_my_commands([BotCommand("new", "Nytt möte")], language_code="sv")
    await bot.set_my_commands([BotCommand("new", "New meeting")], language_code="en")
    assert standin.commands[("default", "sv")] == [{"command": "new", "description": "Nytt möte"}]
    english = await bot.get_my_commands(language_code="en")
    assert english[0].description == "New meeting"


async def test_documents_are_stored(bot, standin):
    await standin.user_sends(19, "hi")
    await bot.send_document(19, document=b"BEGIN:VCALENDAR", filename="meeting.ics")
    assert standin.transcript(19)[-1]["document"] == "meeting.ics"
    assert list(standin.documents.values()) == [b"BEGIN:VCALENDAR"]


async def test_wrong_token_is_refused(standin):
    server = TestServer(standin.app, host="127.0.0.1")
    await server.start_server()
    try:
        with pytest.raises(InvalidToken):
            async with Bot("999:wrong", base_url=str(server.make_url("/bot"))):
                pass
    finally:
        await server.close()


async def test_works_mounted_under_a_prefix(standin):
    parent = web.Application()
    parent.add_subapp("/_standin/telegram", standin.app)
    server = TestServer(parent, host="127.0.0.1")
    await server.start_server()
    try:
        async with Bot(TOKEN, base_url=str(server.make_url("/_standin/telegram/bot"))) as client:
            assert client.username == "flerpart_local_bot"
    finally:
        await server.close()


async def test_a_second_poller_while_one_is_held_gets_409_conflict_as_from_telegram(bot, standin):
    """Telegram serves one getUpdates at a time per bot: a second bot instance polling
    gets 409 Conflict, so several replicas can never each poll (they take webhooks)."""
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with Bot(TOKEN, base_url=bot.base_url.removesuffix(TOKEN)) as second_instance:
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await second_instance.get_updates(timeout=0)
    await standin.user_sends(14, "hej")
    async with asyncio.timeout(2):
        [update] = await first
    assert update.message.text == "hej"
    assert await bot.get_updates(offset=update.update_id, timeout=0)  # one poller: fine
