"""The convenor's commands and button presses, routed to the flows; no channel here.

Every entry point takes the staff user and returns the replies to show. None
means "out of date": a button from an old message, a forged one, or one for a
meeting that is not this user's. Nothing is changed in that case.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from flows.care.consent import withdraw_contact_consent
from flows.core import flow_runner, links
from flows.core.clock import clock
from flows.core.dialog import Answer, Next, Press, Reply, StepFlow
from flows.core.flow_runner import Heard
from flows.core.i18n import _, ngettext
from flows.core.text_clean import clean
from flows.meetings import meeting_card, meeting_changes
from flows.meetings.checklists import item as checklist_item
from flows.meetings.form_base import record_contact_consent
from flows.meetings.meeting_close import CloseForm
from flows.meetings.meeting_form import EDITABLE, MeetingForm
from flows.meetings.meeting_words import moment_text
from flows.outbox.campaign import cancel_reminders
from flows.participants import participant_link
from storage.models import (
    Attendee,
    AttendeeResponse,
    AttendeeRole,
    ChecklistTick,
    Meeting,
    MeetingStatus,
    StaffRole,
    StaffUser,
    TickState,
)

FLOWS: dict[str, type[StepFlow]] = {MeetingForm.name: MeetingForm, CloseForm.name: CloseForm}
OPEN = meeting_card.OPEN
CAN_PREPARE = (StaffRole.CONVENOR, StaffRole.ADMIN)


# Flows ------------------------------------------------------------------
async def _begin(
    staff: StaffUser, flow: type[StepFlow], meeting: Meeting | None, step: str, draft: dict
) -> list[Reply]:
    return await flow_runner.begin(staff, flow, meeting, step, draft)


async def on_text(staff: StaffUser, text: str, heard: Heard | None = None) -> list[Reply]:
    """Typed text; `heard` (the message's place in the chat) tells a repeat from a new one."""
    answer = Answer(text=clean(text))
    replies = await flow_runner.answer(staff, FLOWS, answer, heard=heard)
    if replies is None:
        return [Reply(_("I am not asking anything right now. Send /help to see what you can do."))]
    return replies


async def on_answer(staff: StaffUser, press: Press) -> list[Reply] | None:
    """A press on a step's button; None when it is not the current step's."""
    if press.action != "a" or len(press.args) != 1 or press.version is None:
        return None
    answer = Answer(choice=press.args[0])
    return await flow_runner.answer(staff, FLOWS, answer, version=press.version)


async def asked(staff: StaffUser, question: Heard) -> None:
    """The channel showed the replies; the last one is the open question."""
    await flow_runner.asked(staff, question)


# Commands ---------------------------------------------------------------
def _own_open_meetings(staff: StaffUser) -> QuerySet[Meeting]:
    return Meeting.filter(convenor=staff, status__in=OPEN, closed_at=None)


async def new(staff: StaffUser) -> list[Reply]:
    if staff.role not in CAN_PREPARE:
        return [Reply(_("Only convenors prepare meetings. Send /meetings to see your team's."))]
    try:
        async with in_transaction():
            state, flow = await flow_runner.current(staff, FLOWS)
            if isinstance(flow, MeetingForm) and not flow.editing and flow.meeting is not None:
                # A draft is under way: ask before dropping it, never restart silently.
                if state.step != "restart":
                    flow.draft["resume_step"] = state.step
                return await flow_runner.apply(state, flow, Next("restart"))
    except flow_runner.Raced:  # another update moved the conversation just now
        return await prep(staff)
    return await _begin(staff, MeetingForm, None, MeetingForm.first_step, {})


async def prep(staff: StaffUser) -> list[Reply]:
    """Resumes where the convenor left off: the open question, else the checklist."""
    state, flow = await flow_runner.current(staff, FLOWS)
    if flow is not None:
        return [Reply(_("Where we left off:")), await flow.ask(state.step or flow.first_step)]
    meeting = await _own_open_meetings(staff).order_by("-updated_at").first()
    if meeting is None:
        return [Reply(_("You have no meeting in preparation. Send /new to start one."))]
    return [await meeting_card.prep_item(meeting)]


def _nearest(meetings: list[Meeting], now: datetime) -> Meeting | None:
    timed = [m for m in meetings if m.starts_at is not None]
    return min(timed, key=lambda m: abs((m.starts_at - now).total_seconds()), default=None)


async def run(staff: StaffUser) -> list[Reply]:
    meeting = _nearest(await _own_open_meetings(staff), clock.now())
    if meeting is None:
        return [Reply(_("You have no planned meeting. Send /new to start one."))]
    return [await meeting_card.run_list(meeting)]


async def after(staff: StaffUser, meeting: Meeting | None = None) -> list[Reply]:
    if meeting is None:
        now = clock.now()
        candidates = await Meeting.filter(
            convenor=staff,
            closed_at=None,
            status__in=(*OPEN, MeetingStatus.HELD, MeetingStatus.NO_SHOW),
            starts_at__lte=now,
        ).order_by("-starts_at")
        meeting = candidates[0] if candidates else None
    if meeting is None:
        return [Reply(_("No meeting has taken place yet that needs notes."))]
    step = "outcome" if meeting.status in OPEN else "person_view"
    return await _begin(staff, CloseForm, meeting, step, {})


async def meetings(staff: StaffUser) -> list[Reply]:
    """Upcoming and open meetings with their progress: a convenor's own, a
    coordinator's whole team (read-only, no buttons)."""
    query = Meeting.filter(closed_at=None).exclude(status=MeetingStatus.CANCELLED)
    own = staff.role is not StaffRole.COORDINATOR
    query = query.filter(convenor=staff) if own else query.filter(team_id=staff.team_id)
    found = await query.order_by("starts_at").limit(20)
    if not found:
        return [Reply(_("No upcoming or open meetings. Send /new to start one."))]
    lines, buttons = [_("Your meetings:") if own else _("Your team's meetings:")], []
    for m in found:
        when = moment_text(m.starts_at, m.timezone) if m.starts_at else _("no time yet")
        person = await Attendee.get_or_none(
            meeting=m, role=AttendeeRole.PERSON_IN_FOCUS
        ).prefetch_related("person")
        name = person.person.first_name if person and person.person else "?"
        bar = await meeting_card.progress_line(m, meeting_card.Checklist.PREPARATION)
        lines.append(f"• {m.id}: {when}, {name}, {bar}")
        if own:
            buttons.append([meeting_card.meeting_action(m, f"📋 {m.id}: {name}", "card")])
    return [Reply("\n".join(lines), buttons)]


# The meeting's own buttons ------------------------------------------------
async def on_meeting_button(staff: StaffUser, press: Press) -> list[Reply] | None:
    if press.meeting_id is None:
        return None
    meeting = await Meeting.get_or_none(id=press.meeting_id, convenor=staff)
    if meeting is None:
        return None  # not this user's meeting (or gone): no hint which
    handler = ACTIONS.get(press.action)
    return await handler(staff, meeting, list(press.args)) if handler else None


async def _card(staff: StaffUser, meeting: Meeting, args: list[str]) -> list[Reply] | None:
    return [await meeting_card.card(meeting)]


async def _edit(staff: StaffUser, meeting: Meeting, args: list[str]) -> list[Reply] | None:
    if meeting.status not in OPEN or not args or args[0] not in EDITABLE:
        return None
    return await _begin(staff, MeetingForm, meeting, args[0], {"editing": True})


async def _preview(staff: StaffUser, meeting: Meeting, args: list[str]) -> list[Reply] | None:
    return [await meeting_card.preview(meeting)]


async def _plain(staff: StaffUser, meeting: Meeting, args: list[str]) -> list[Reply] | None:
    if meeting.status not in OPEN:
        return None
    await meeting_card.make_texts_plain(meeting)
    return [await meeting_card.preview(meeting)]


async def _send(staff: StaffUser, meeting: Meeting, args: list[str]) -> list[Reply] | None:
    if meeting.status not in OPEN:
        return None
    if meeting.starts_at is None or meeting.starts_at <= clock.now():
        return [Reply(_("The meeting needs a time ahead before the information can go out."))]
    sent = await meeting_changes.send_information(meeting, staff, clock.now())
    text = ngettext(
        "The information is on its way: {n} message.",
        "The information is on its way: {n} messages.",
        sent.queued,
    )
    if sent.unreachable:
        text += " " + ngettext(
            "{n} attendee cannot be reached: no number, or no consent.",
            "{n} attendees cannot be reached: no number, or no consent.",
            sent.unreachable,
        )
    return [Reply(text), await meeting_card.card(meeting)]


async def _prep(staff: StaffUser, meeting: Meeting, args: list[str]) -> list[Reply] | None:
    return [await meeting_card.prep_item(meeting)]


async def _run(staff: StaffUser, meeting: Meeting, args: list[str]) -> list[Reply] | None:
    return [await meeting_card.run_list(meeting)]


async def _after(staff: StaffUser, meeting: Meeting, args: list[str]) -> list[Reply] | None:
    if meeting.closed_at is not None or meeting.status is MeetingStatus.CANCELLED:
        return None
    return await after(staff, meeting)


async def _tick(staff: StaffUser, meeting: Meeting, args: list[str]) -> list[Reply] | None:
    """'p <key> d|n|l' settles a preparation item; 'm <key> t' toggles a meeting item."""
    if len(args) != 3 or meeting.status in (MeetingStatus.CANCELLED,) or meeting.closed_at:
        return None
    checklist = meeting_card.CHECKLIST_CODES.get(args[0])
    key, code = args[1], args[2]
    if checklist is None or checklist_item(checklist, key) is None:
        return None
    if checklist is meeting_card.Checklist.MEETING and code == "t":
        current = await ChecklistTick.get_or_none(
            meeting=meeting, checklist=checklist, item_key=key
        )
        if current is not None and current.state is TickState.DONE:
            await current.delete()
        else:
            await _set_tick(meeting, checklist, key, TickState.DONE, staff)
        reply = await meeting_card.run_list(meeting)
    elif checklist is meeting_card.Checklist.PREPARATION and code in meeting_card.TICK_CODES:
        await _set_tick(meeting, checklist, key, meeting_card.TICK_CODES[code], staff)
        reply = await meeting_card.prep_item(meeting, after=key)
    else:
        return None
    reply.edit = True
    return [reply]


async def _set_tick(meeting, checklist, key: str, state: TickState, staff: StaffUser) -> None:
    await ChecklistTick.update_or_create(
        defaults={"state": state, "ticked_by": staff},
        meeting=meeting,
        checklist=checklist,
        item_key=key,
    )


async def _cancel(staff: StaffUser, meeting: Meeting, args: list[str]) -> list[Reply] | None:
    if meeting.status not in OPEN:
        return None
    if args != ["yes"]:
        return [
            Reply(
                _("Cancel this meeting? Everyone who was informed gets a short message."),
                [
                    [meeting_card.meeting_action(meeting, _("Yes, cancel it"), "cancel", "yes")],
                    [meeting_card.meeting_action(meeting, _("No, keep it"), "card")],
                ],
            )
        ]
    notices = await meeting_changes.cancel(meeting, staff, clock.now())
    return [Reply(_("Cancelled. {n} people were told.", n=notices), edit=True)]


async def _consent(staff: StaffUser, meeting: Meeting, args: list[str]) -> list[Reply] | None:
    attendee = await Attendee.get_or_none(
        meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS
    ).prefetch_related("person")
    if attendee is None or attendee.person is None:
        return None
    if args == ["withdraw"]:
        await withdraw_contact_consent(attendee.person, f"staff:{staff.id}", clock.now())
    else:
        await record_contact_consent(attendee.person, staff.id, (await staff.team).name)
    return [await meeting_card.card(meeting)]


async def _absent(staff: StaffUser, meeting: Meeting, args: list[str]) -> list[Reply] | None:
    """The person told the convenor (a call, a visit) that they cannot come: as a no by SMS."""
    attendee = await Attendee.get_or_none(meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS)
    if attendee is None or meeting.status not in OPEN:
        return None
    if attendee.response is not AttendeeResponse.DECLINED:
        attendee.response = AttendeeResponse.DECLINED
        attendee.responded_at = clock.now()
        await attendee.save(update_fields=["response", "responded_at"])
        await cancel_reminders(attendee)
    return [await meeting_card.card(meeting)]


async def _tglink(staff: StaffUser, meeting: Meeting, args: list[str]) -> list[Reply] | None:
    person = await meeting_card.telegram_person_without_chat(meeting)
    if person is None or meeting.status not in OPEN:
        return None
    code = await participant_link.create_code(person)
    return [
        Reply(
            _(
                "Give {name} this link. It opens our bot in Telegram and works once:\n{link}\n"
                "(In local mode, send: /start {code})",
                name=person.first_name,
                link=links.telegram_start(code),
                code=code,
            )
        )
    ]


ACTIONS = {
    "card": _card,
    "edit": _edit,
    "preview": _preview,
    "plain": _plain,
    "send": _send,
    "prep": _prep,
    "run": _run,
    "after": _after,
    "tick": _tick,
    "cancel": _cancel,
    "tglink": _tglink,
    "consent": _consent,
    "absent": _absent,
}
