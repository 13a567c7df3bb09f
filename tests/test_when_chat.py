"""Free date phrases in /new and /after through PTB and the Telegram stand-in (issue 12,
item 8): the confirmation always shows the full date; a weekday is never today; the
autumn hour that comes twice is named and chosen; a past time is refused saying which."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.process import FlerpartProcess
from flows.core.clock import clock
from flows.core.i18n import use_locale
from flows.meetings import convenor as convenor_flows
from flows.staff.onboarding import create_invitation
from storage.models import ConversationState, Meeting, StaffRole
from tests.chat_driver import Chat
from tests.conftest import local_process
from tests.factories import convenor, meeting_with_attendees

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Tuesday 26 October 2027, 09:13: the clocks go back on Sunday 31 October at 03:00.
TUESDAY_MORNING = datetime(2027, 10, 26, 9, 13, tzinfo=STOCKHOLM)


async def join(process: FlerpartProcess, user_id: int, language: str, welcome: str) -> Chat:
    code, _ = await create_invitation(StaffRole.CONVENOR, "Team Nord")
    chat = Chat(process, user_id, language_code=language)
    await chat.send(f"/start {code}", expect=welcome)
    return chat


async def until_when(chat: Chat, purpose: str, ask: str, kind: str) -> None:
    await chat.send("/new", expect=purpose)
    await chat.send("Vi gör en plan för ditt arbete. Du bestämmer med oss.", expect=kind)
    message, button = chat.find_button("")  # the first kind of meeting
    await chat.press(message["message_id"], button["data"])
    await chat.wait_for(ask)


async def test_free_phrases_in_new_end_in_a_confirmation_with_the_full_date(tmp_path, database_env):
    clock.set(TUESDAY_MORNING.astimezone(UTC))
    async with local_process(tmp_path, **database_env) as process:
        karin = await join(process, 801, "sv", "Välkommen")
        await until_when(karin, "Vad är mötet till för?", "När är mötet?", "Vilket slags möte")

        # Refused before: the full date comes back to confirm.
        await karin.send("nästa fredag kl 10", expect="fredag 29 oktober 2027, 10:00")
        await karin.tap("Nej")
        await karin.send("den 3 december kl 13", expect="fredag 3 december 2027, 13:00")
        await karin.tap("Nej")
        # Typed on a Tuesday morning, "tisdag" is next Tuesday, not today at 10.
        await karin.send("tisdag 10:00", expect="tisdag 2 november 2027, 10:00")
        await karin.tap("Nej")
        # "fredag 12": Friday at 12:00, and the other reading (12 November) is named.
        replies = await karin.send("fredag 12", expect="fredag 29 oktober 2027, 12:00")
        assert "Om du menade fredag 12 november 2027" in replies[-1]["text"]
        await karin.tap("Nej")
        # A past time says which moment has passed.
        await karin.send("idag 9", expect="tisdag 26 oktober 2027, 09:00 har redan varit")
        await karin.send("fredag 27 kl 9", expect="onsdag 27 oktober 2027 är ingen fredag")
        # The autumn night: 02:30 comes twice; the convenor picks the second.
        replies = await karin.send("söndag 2.30", expect="söndag 31 oktober 2027, 02:30")
        assert "kommer två gånger" in replies[-1]["text"]
        await karin.tap("Den andra 02:30 (vintertid)")
        await karin.wait_for("Hur långt är mötet?")

        meeting = await Meeting.get()
        assert meeting.starts_at == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # UTC+1
        assert meeting.ends_at - meeting.starts_at == timedelta(minutes=60)

        erik = await join(process, 802, "en", "Welcome")
        await until_when(erik, "What is the meeting for?", "When is the meeting?", "What kind")
        await erik.send("next tuesday 14:00", expect="Tuesday 2 November 2027, 14:00")
        await erik.tap("Yes")
        await erik.wait_for("How long is the meeting?")
        mine = await Meeting.filter(convenor__telegram_user_id=802).get()
        assert mine.starts_at == datetime(2027, 11, 2, 13, 0, tzinfo=UTC)


async def test_a_meeting_moved_in_after_is_confirmed_with_the_full_date_first(
    tmp_path, database_env
):
    clock.set(TUESDAY_MORNING.astimezone(UTC))
    async with local_process(tmp_path, **database_env) as process:
        karin = await convenor(803)
        karin.language = "en"
        await karin.save()
        meeting = await meeting_with_attendees(TUESDAY_MORNING + timedelta(hours=1), karin)
        clock.set((TUESDAY_MORNING + timedelta(hours=3)).astimezone(UTC))  # it has ended
        chat = Chat(process, 803)
        await chat.send("/after", expect="How did the meeting go?")
        await chat.tap("It was moved")
        await chat.wait_for("When is the meeting now?")
        # Nothing is moved and nobody told before the convenor sees the full date.
        await chat.send("torsdag 14", expect="I understood: Thursday 28 October 2027, 14:00")
        assert (await Meeting.get(id=meeting.id)).starts_at == TUESDAY_MORNING + timedelta(hours=1)
        await chat.tap("No, I will write it again")
        await chat.send("fredag kl 10", expect="Friday 29 October 2027, 10:00")
        await chat.tap("Yes")
        await chat.wait_for("Moved to Friday 29 October 2027, 10:00")
        moved = await Meeting.get(id=meeting.id)
        assert moved.starts_at == datetime(2027, 10, 29, 8, 0, tzinfo=UTC)


async def test_the_next_meeting_in_after_is_confirmed_with_the_full_date(db):
    """Against the flows directly: the step is deep in /after."""
    clock.set(TUESDAY_MORNING.astimezone(UTC))
    karin = await convenor(804)
    karin.language = "en"
    await karin.save()
    meeting = await meeting_with_attendees(TUESDAY_MORNING - timedelta(hours=2), karin)
    await convenor_flows.after(karin, meeting)
    state = await ConversationState.get(staff_user=karin)
    state.step = "next_meeting"
    await state.save()
    with use_locale("en"):
        said = await convenor_flows.on_text(karin, "om två veckor kl 9")
        assert "I understood: Tuesday 9 November 2027, 09:00. Is that right?" in said[-1].text
        assert (await Meeting.get(id=meeting.id)).next_meeting_at is None  # not yet
        yes = next(b for row in said[-1].buttons for b in row if b.label == "Yes")
        await convenor_flows.on_answer(karin, yes.press)
    saved = await Meeting.get(id=meeting.id)
    assert saved.next_meeting_at == datetime(2027, 11, 9, 8, 0, tzinfo=UTC)
