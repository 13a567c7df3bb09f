"""/help, /language, /cancel and the command menus, through PTB and the Telegram stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.process import FlerpartProcess
from storage.models import ConversationState, StaffUser
from tests.conftest import eventually, local_process
from tests.factories import convenor

KARIN = 601


@pytest.fixture
async def process(tmp_path) -> AsyncIterator[FlerpartProcess]:
    async with local_process(tmp_path) as running:
        await convenor(KARIN)
        yield running


async def say(process: FlerpartProcess, text: str, user: int = KARIN) -> dict:
    telegram = process.services.telegram_standin
    already = len([e for e in telegram.transcript(user) if e["from"] == "bot"])
    await telegram.user_sends(user, text)
    return (await telegram.wait_for_bot_messages(user, already + 1))[-1]


async def test_command_menus_are_set_in_each_language(process):
    commands = process.services.telegram_standin.commands
    assert {key for key in commands} == {("default", "sv"), ("default", "en"), ("default", "")}
    assert {c["command"] for c in commands[("default", "en")]} == {
        "new",
        "prep",
        "run",
        "after",
        "meetings",
        "dashboard",
        "status",
        "help",
        "language",
        "cancel",
    }
    help_sv = next(c for c in commands[("default", "sv")] if c["command"] == "help")
    help_en = next(c for c in commands[("default", "en")] if c["command"] == "help")
    assert (help_sv["description"], help_en["description"]) == (
        "Så fungerar boten",
        "How this bot works",
    )


async def test_help_answers_staff_and_not_strangers(process):
    assert "MötesFokus" in (await say(process, "/help"))["text"]
    stranger = await say(process, "/help", user=999)
    assert stranger["text"] == "Tyvärr, den här boten är bara för inbjuden personal."


async def test_language_switches_with_a_button_once(process):
    choice = await say(process, "/language")
    english = next(b for row in choice["buttons"] for b in row if b["text"] == "English")
    telegram = process.services.telegram_standin
    await telegram.user_presses(KARIN, choice["message_id"], english["data"])
    await _until(lambda: telegram.transcript(KARIN)[-1]["text"].startswith("I will write"))
    assert (await StaffUser.get(telegram_user_id=KARIN)).language == "en"
    # The same (now used) button again, and a forged one: out of date, nothing changes.
    swedish = next(b for row in choice["buttons"] for b in row if b["text"] == "Svenska")
    for data in (swedish["data"], "v999:lang:sv"):
        await telegram.user_presses(KARIN, choice["message_id"], data)
        await _until(lambda: len(telegram.answered_callbacks) >= 2)
    assert telegram.answered_callbacks[-1]["text"] == "This button is out of date."
    assert (await StaffUser.get(telegram_user_id=KARIN)).language == "en"
    assert "MötesFokus checklists" in (await say(process, "/help"))["text"]


async def test_cancel_says_whether_there_was_anything(process):
    assert (await say(process, "/cancel"))["text"] == "Det fanns inget att avbryta."


async def _until(check) -> None:
    async def ready() -> bool:
        return bool(check())

    await eventually(ready)


async def test_cancel_leaves_a_flow_and_makes_its_buttons_stale(process):
    staff = await StaffUser.get(telegram_user_id=KARIN)
    await ConversationState.create(
        staff_user=staff, flow="new", step="purpose", draft={"purpose": "Plan"}, version=4
    )
    assert (await say(process, "/cancel"))["text"] == "Avbrutet. Inget mer sparades."
    state = await ConversationState.get(staff_user=staff)
    assert (state.flow, state.step, state.draft, state.version) == (None, None, {}, 5)
