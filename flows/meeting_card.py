"""The meeting as the convenor sees it: the summary card, the checklists, the preview."""

from __future__ import annotations

from flows import checklists, labels, templates
from flows.dialog import Button, Reply
from flows.i18n import _, current_locale
from flows.meeting_form import caution_lines, moment_text
from flows.staff import meeting_button
from storage.models import (
    Attendee,
    AttendeeResponse,
    AttendeeRole,
    Channel,
    Checklist,
    ChecklistTick,
    Consent,
    Meeting,
    MeetingStatus,
    OutboxMessage,
    Person,
    TickState,
)

TICK_CODES = {"d": TickState.DONE, "n": TickState.NOT_APPLICABLE, "l": TickState.LATER}
CHECKLIST_CODES = {"p": Checklist.PREPARATION, "m": Checklist.MEETING}
OPEN = (MeetingStatus.DRAFT, MeetingStatus.PLANNED)


async def ticks(meeting: Meeting, checklist: Checklist) -> dict[str, TickState]:
    rows = await ChecklistTick.filter(meeting=meeting, checklist=checklist).values_list(
        "item_key", "state"
    )
    return {key: TickState(state) for key, state in rows}


async def progress_line(meeting: Meeting, checklist: Checklist) -> str:
    done, total = checklists.progress(await ticks(meeting, checklist), checklist)
    return checklists.progress_bar(done, total)


def meeting_action(meeting: Meeting, label: str, action: str, *args: str) -> Button:
    return Button(label, meeting_button(meeting.id, action, *args))


async def _attendee_lines(meeting: Meeting) -> list[str]:
    attendees = await Attendee.filter(meeting=meeting).prefetch_related("person", "staff_user")
    lines = []
    for a in sorted(attendees, key=lambda a: a.role is not AttendeeRole.PERSON_IN_FOCUS):
        name = a.person.first_name if a.person else a.staff_user.display_name
        if a.role is AttendeeRole.PERSON_IN_FOCUS:
            consent = a.person and await Consent.filter(person=a.person, withdrawn_at=None).exists()
            contact = labels.channel(a.person.preferred_channel) if a.person else ""
            mark = "✓" if consent else "✗"
            lines.append(
                _("👤 {name}, {contact} (consent {mark})", name=name, contact=contact, mark=mark)
            )
        else:
            lines.append(f"• {name} ({labels.agency(a.agency)}, {labels.role(a.role)}): {a.why}")
    return lines


async def _person_consented(meeting: Meeting) -> bool:
    return await Consent.filter(
        person__attendances__meeting=meeting,
        person__attendances__role=AttendeeRole.PERSON_IN_FOCUS,
        withdrawn_at=None,
    ).exists()


async def _person_may_come(meeting: Meeting) -> bool:
    return await Attendee.filter(
        meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS
    ).exclude(response=AttendeeResponse.DECLINED).exists()


async def telegram_person_without_chat(meeting: Meeting) -> Person | None:
    """The person in focus prefers Telegram but has not opened the bot yet."""
    attendee = await Attendee.get_or_none(
        meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS
    ).prefetch_related("person")
    person = attendee.person if attendee else None
    if person and person.preferred_channel is Channel.TELEGRAM and not person.telegram_chat_id:
        return person
    return None


async def card(meeting: Meeting) -> Reply:
    """Everything about the meeting on one screen, with what can be done next."""
    when = moment_text(meeting.starts_at, meeting.timezone) if meeting.starts_at else _("not set")
    length = (
        int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
        if meeting.starts_at and meeting.ends_at
        else 0
    )
    lines = [
        _("📋 Meeting {id}: {kind}", id=meeting.id, kind=labels.kind(meeting.kind)),
        _("Status: {status}", status=labels.status(meeting.status)),
        _("Purpose: {purpose}", purpose=meeting.purpose),
        _("When: {when} ({n} min)", when=when, n=length),
        _("Place: {place}", place=meeting.place or "-"),
        "",
        *await _attendee_lines(meeting),
    ]
    warnings = await caution_lines(meeting)
    if warnings:
        lines += ["", *warnings]
    lines += [
        "",
        _("Preparation: {bar}", bar=await progress_line(meeting, Checklist.PREPARATION)),
    ]
    buttons: list[list[Button]] = []
    if meeting.status in OPEN:
        buttons = [
            [
                meeting_action(meeting, _("✏️ Time"), "edit", "when"),
                meeting_action(meeting, _("✏️ Place"), "edit", "place"),
                meeting_action(meeting, _("✏️ Purpose"), "edit", "purpose"),
            ],
            [
                meeting_action(meeting, _("👁 Preview"), "preview"),
                meeting_action(meeting, _("📨 Send information"), "send"),
            ],
            [
                meeting_action(meeting, _("☑️ Preparation"), "prep"),
                meeting_action(meeting, _("▶️ Run"), "run"),
                meeting_action(meeting, _("📝 After"), "after"),
            ],
            [meeting_action(meeting, _("✖️ Cancel the meeting"), "cancel")],
        ]
        if await telegram_person_without_chat(meeting) is not None:
            buttons.insert(
                0, [meeting_action(meeting, _("🔗 Telegram link for the person"), "tglink")]
            )
        if not await _person_consented(meeting):
            buttons.insert(
                0, [meeting_action(meeting, _("✓ Record the person's consent"), "consent")]
            )
        else:
            buttons.append(
                [meeting_action(meeting, _("✗ The person withdrew consent"), "consent", "withdraw")]
            )
        if await _person_may_come(meeting):
            buttons.append([meeting_action(meeting, _("🚫 The person cannot come"), "absent")])
    elif meeting.closed_at is None and meeting.status is not MeetingStatus.CANCELLED:
        buttons = [[meeting_action(meeting, _("📝 After"), "after")]]
    return Reply("\n".join(lines), buttons)


async def _as_the_person_gets_it(meeting: Meeting, template: str) -> tuple[str, str] | None:
    """(first name, text) of a message to the person in focus, rendered as it will be sent."""
    attendee = await Attendee.get_or_none(
        meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS
    ).prefetch_related("person")
    if attendee is None or attendee.person is None or meeting.starts_at is None:
        return None
    person = attendee.person
    message = OutboxMessage(
        meeting=meeting,
        person=person,
        channel=person.preferred_channel,
        template=template,
        locale=person.language,
        params={"attendee_id": attendee.id},
    )
    return person.first_name, await templates.render(message, meeting)


async def preview(meeting: Meeting) -> Reply:
    """The information exactly as the person in focus will get it."""
    rendered = await _as_the_person_gets_it(meeting, "info_participant")
    if rendered is None:
        return Reply(_("There is nothing to preview yet: set the time and the person first."))
    name, text = rendered
    return Reply(
        _("This is what {name} will get:", name=name) + "\n\n" + text,
        [
            [
                meeting_action(meeting, _("📨 Send information"), "send"),
                meeting_action(meeting, _("Back"), "card"),
            ]
        ],
    )


async def summary_preview(meeting: Meeting) -> str:
    rendered = await _as_the_person_gets_it(meeting, "after_summary")
    if rendered is None:
        return _("There is no person in focus to send a summary to.")
    name, text = rendered
    return (
        _("This is what {name} will get. No health or case details, please:", name=name)
        + "\n\n"
        + text
    )


def next_item(done: dict[str, TickState], checklist: Checklist, after: str | None) -> str | None:
    """The first item not yet touched; then the ones put off for later, not the one just
    put off. None when every item is settled."""
    keys = [item.key for item in checklists.items(checklist)]
    untouched = [k for k in keys if k not in done]
    if untouched:
        return untouched[0]
    later = [k for k in keys if done.get(k) is TickState.LATER and k != after]
    return later[0] if later else None


async def prep_item(meeting: Meeting, after: str | None = None) -> Reply:
    """One preparation item with its three answers, or the end of the list."""
    done = await ticks(meeting, Checklist.PREPARATION)
    bar = await progress_line(meeting, Checklist.PREPARATION)
    key = next_item(done, Checklist.PREPARATION, after)
    if key is None:
        left = sum(1 for state in done.values() if state is TickState.LATER)
        text = _("Preparation {bar}", bar=bar) + "\n\n"
        if left:
            text += _("{n} item(s) left for later. /prep shows them again.", n=left)
        else:
            text += _("The preparation checklist is complete.")
        return Reply(text, [[meeting_action(meeting, _("📋 Meeting card"), "card")]])
    item = checklists.item(Checklist.PREPARATION, key)
    assert item is not None
    text = _("Preparation {bar}", bar=bar) + "\n\n" + item.wording(current_locale())
    return Reply(
        text,
        [
            [
                meeting_action(meeting, _("✓ Done"), "tick", "p", key, "d"),
                meeting_action(meeting, _("Not applicable"), "tick", "p", key, "n"),
                meeting_action(meeting, _("Later"), "tick", "p", key, "l"),
            ],
            [meeting_action(meeting, _("📋 Meeting card"), "card")],
        ],
    )


async def run_list(meeting: Meeting) -> Reply:
    """The meeting checklist as a numbered list; a tap on a number ticks or unticks it."""
    done = await ticks(meeting, Checklist.MEETING)
    items = checklists.items(Checklist.MEETING)
    lines = [_("During the meeting {bar}", bar=await progress_line(meeting, Checklist.MEETING))]
    buttons: list[Button] = []
    for number, item in enumerate(items, start=1):
        mark = "✅" if done.get(item.key) is TickState.DONE else "⬜"
        lines.append(f"{mark} {number}. {item.wording(current_locale())}")
        buttons.append(meeting_action(meeting, f"{mark} {number}", "tick", "m", item.key, "t"))
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    rows.append([meeting_action(meeting, _("📝 After the meeting"), "after")])
    return Reply("\n".join(lines), rows)
