"""What the person sees and answers about the ladder and the outcome: the six steps on their
page, the survey's optional step question, and the outcome question months later, through
the whole process (stand-ins, dispatcher, signed webhooks)."""

from __future__ import annotations

from flows.core.clock import clock
from storage.models import Attendee
from tests.factories import page_token
from tests.test_info_page import A_WEEK_BEFORE, a_meeting, fetch, text_of
from tests.test_participant_questions import process  # noqa: F401 - a fixture


async def test_the_persons_page_lists_the_six_steps_and_another_attendees_does_not(
    process,  # noqa: F811
):
    clock.set(A_WEEK_BEFORE)
    meeting = await a_meeting()
    status, html, _response = await fetch(process, f"/i/{await page_token(meeting)}?lang=en")
    assert status == 200
    text = text_of(html)
    assert "Where are you now?" in text
    assert "You are mostly at home. You meet few people." in text
    assert "You work or study, or you have a decision on the right benefit." in text
    erik = (await Attendee.filter(meeting=meeting).order_by("id"))[1]
    status, html, _response = await fetch(process, f"/i/{await page_token(meeting, erik)}")
    assert status == 200 and "Where are you now?" not in text_of(html)
