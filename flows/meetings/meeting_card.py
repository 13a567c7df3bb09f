"""The meeting as the convenor sees it: the summary card, the checklists, the preview."""

from __future__ import annotations

from flows.core import labels, own_words
from flows.core.dialog import Button, Press, Reply
from flows.core.i18n import _, current_locale, ngettext
from flows.meetings import checklists
from flows.meetings.meeting_words import caution_lines, moment_text
from flows.participants import templates
from flows.participants.sms_parts import gsm7_safe, not_gsm7_in, sms_parts, typographic_in
from storage.message_models import OutboxMessage
from storage.models import (
    UPCOMING,
    Attendee,
    AttendeeResponse,
    AttendeeRole,
    Channel,
    Checklist,
    ChecklistTick,
    Consent,
    Meeting,
    MeetingStatus,
    Person,
    TickState,
)

TICK_CODES = {"d": TickState.DONE, "n": TickState.NOT_APPLICABLE, "l": TickState.LATER}
CHECKLIST_CODES = {"p": Checklist.PREPARATION, "m": Checklist.MEETING}


async def ticks(meeting: Meeting, checklist: Checklist) -> dict[str, TickState]:
    rows = await ChecklistTick.filter(meeting=meeting, checklist=checklist).values_list(
        "item_key", "state"
    )
    return {key: TickState(state) for key, state in rows}


async def progress_line(meeting: Meeting, checklist: Checklist) -> str:
    done, total = checklists.progress(await ticks(meeting, checklist), checklist)
    return checklists.progress_bar(done, total)


def meeting_action(meeting: Meeting, label: str, action: str, *args: str) -> Button:
    return Button(label, Press(action, args, meeting_id=meeting.id))


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
    return (
        await Attendee.filter(meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS)
        .exclude(response=AttendeeResponse.DECLINED)
        .exists()
    )


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
    if meeting.status in UPCOMING:
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
        params={"attendee_id": attendee.id, "preview": True},
    )
    return person.first_name, await templates.render(message, meeting)


async def _texts(meeting: Meeting) -> list[tuple[str, str]]:
    """(where, text) of every text of the meeting the person may read in the SMS."""
    texts = [(_("the purpose"), meeting.purpose), (_("the place"), meeting.place)]
    # The purpose as written for a reader of another language goes in their SMS instead.
    for version in own_words.versions(meeting, own_words.PURPOSE).values():
        texts.append((_("the purpose"), version))
    seats = await Attendee.filter(meeting=meeting).prefetch_related("person", "staff_user")
    for a in seats:
        if a.person is not None:
            name = a.person.first_name
        elif a.staff_user is not None:
            name = a.staff_user.display_name.split(" ")[0]  # as the SMS names them
        else:
            continue
        texts.append((_("the name {name}", name=name), name))
        if a.role is not AttendeeRole.PERSON_IN_FOCUS and a.why:
            texts.append((_("why {name} comes", name=name), a.why))
    return texts


def _quoted(chars: str) -> str:
    return " ".join(f"«{ch}»" for ch in chars)


async def sms_facts(meeting: Meeting, text: str) -> tuple[list[str], bool]:
    """What the convenor should know about the SMS: its parts and encoding, and which
    characters make it UCS-2 (where they are); and whether the meeting's texts hold
    typographic characters that a tap can make plain."""
    parts = sms_parts(text)
    lines = [
        ngettext(
            "SMS: {n} part, {encoding}.",
            "SMS: {n} parts, {encoding}.",
            parts.parts,
            encoding=parts.encoding,
        )
    ]
    texts = await _texts(meeting)
    if parts.encoding == "UCS-2":
        in_sms = set(not_gsm7_in(text))  # a name left out of the greeting is not listed
        found = [
            (where, "".join(ch for ch in not_gsm7_in(t) if ch in in_sms)) for where, t in texts
        ]
        found = [(where, chars) for where, chars in found if chars]
        if found:
            # Built first: Babel does not extract a _() nested inside another one.
            listed = "; ".join(
                _("{chars} in {where}", chars=_quoted(chars), where=where) for where, chars in found
            )
            lines.append(
                _(
                    "These characters make it UCS-2, with room for fewer letters in "
                    "each part (70 instead of 160): {found}",
                    found=listed,
                )
            )
        if in_sms - {ch for _where, chars in found for ch in chars}:
            lines.append(_("Messages in this language are always sent as UCS-2."))
    typographic = "".join(typographic_in(t) for _where, t in texts)
    if typographic:
        lines.append(
            _(
                "Typographic characters {chars} are sent as plain ones. "
                "Tap below to change them in the meeting's texts too.",
                chars=_quoted("".join(dict.fromkeys(typographic))),
            )
        )
    return lines, bool(typographic)


async def make_texts_plain(meeting: Meeting) -> int:
    """Typographic quotes, dashes, spaces and dots swapped for plain GSM-7 ones in the
    meeting's purpose, place, names and whys; returns how many texts changed."""
    changed = 0
    if gsm7_safe(meeting.purpose) != meeting.purpose or gsm7_safe(meeting.place) != meeting.place:
        meeting.purpose, meeting.place = gsm7_safe(meeting.purpose), gsm7_safe(meeting.place)
        await meeting.save(update_fields=["purpose", "place", "updated_at"])
        changed += 1
    for locale, version in own_words.versions(meeting, own_words.PURPOSE).items():
        if gsm7_safe(version) != version:
            own_words.store(meeting, own_words.PURPOSE, locale, gsm7_safe(version))
            await meeting.save(update_fields=["person_texts", "updated_at"])
            changed += 1
    for a in await Attendee.filter(meeting=meeting).prefetch_related("person"):
        if gsm7_safe(a.why) != a.why:
            a.why = gsm7_safe(a.why)
            await a.save(update_fields=["why"])
            changed += 1
        if a.person is not None and gsm7_safe(a.person.first_name) != a.person.first_name:
            a.person.first_name = gsm7_safe(a.person.first_name)
            await a.person.save(update_fields=["first_name", "updated_at"])
            changed += 1
    return changed


async def preview(meeting: Meeting) -> Reply:
    """The information exactly as the person in focus will get it, with what the
    convenor should know about the SMS."""
    rendered = await _as_the_person_gets_it(meeting, "info_participant")
    if rendered is None:
        return Reply(_("There is nothing to preview yet: set the time and the person first."))
    name, text = rendered
    lines = [_("This is what {name} will get:", name=name), "", text]
    buttons = [
        [
            meeting_action(meeting, _("📨 Send information"), "send"),
            meeting_action(meeting, _("Back"), "card"),
        ]
    ]
    if await _person_channel(meeting) is Channel.SMS:
        facts, typographic = await sms_facts(meeting, text)
        lines += ["", *facts]
        if typographic:
            buttons.insert(0, [meeting_action(meeting, _("✨ Make them plain"), "plain")])
    return Reply("\n".join(lines), buttons)


async def _person_channel(meeting: Meeting) -> Channel | None:
    attendee = await Attendee.get_or_none(
        meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS
    ).prefetch_related("person")
    return attendee.person.preferred_channel if attendee and attendee.person else None


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
            text += ngettext(
                "{n} item is left for later. /prep shows it again.",
                "{n} items are left for later. /prep shows them again.",
                left,
            )
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
