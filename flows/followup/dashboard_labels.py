"""Words for what the coordinator view shows: concerns, message states, answers.

Functions, not constants: `_()` reads the locale of the request at call time.
"""

from __future__ import annotations

from flows.core.i18n import _, ngettext
from flows.followup.attention import Concern
from storage.models import (
    ActionStatus,
    AttendeeResponse,
    MessageKind,
    NoteKind,
    OutboxStatus,
    TickState,
)


def concern(value: Concern, n: int) -> str:
    texts = {
        Concern.INFO_FAILED: ngettext(
            "{n} meeting: the information did not reach someone",
            "{n} meetings: the information did not reach someone",
            n,
        ),
        Concern.NOT_CONFIRMED: ngettext(
            "{n} meeting within 2 working days: the person has not answered",
            "{n} meetings within 2 working days: the person has not answered",
            n,
        ),
        Concern.DECLINED: ngettext(
            "{n} meeting: the person cannot come",
            "{n} meetings: the person cannot come",
            n,
        ),
        Concern.FEEDBACK_OVERDUE: ngettext(
            "{n} meeting: feedback to the person is overdue",
            "{n} meetings: feedback to the person is overdue",
            n,
        ),
        Concern.ACTIONS_OVERDUE: ngettext(
            "{n} action item is overdue", "{n} action items are overdue", n
        ),
        Concern.NEXT_UNKNOWN: ngettext(
            '{n} answer: "I don\'t know what happens next"',
            '{n} answers: "I don\'t know what happens next"',
            n,
        ),
        Concern.OPTED_OUT: ngettext(
            "{n} meeting: someone opted out of messages",
            "{n} meetings: someone opted out of messages",
            n,
        ),
    }
    return texts[value]


def message_status(value: OutboxStatus | str) -> str:
    return {
        OutboxStatus.SCHEDULED: _("scheduled"),
        OutboxStatus.SENDING: _("sending"),
        OutboxStatus.SENT: _("sent"),
        OutboxStatus.DELIVERED: _("delivered"),
        OutboxStatus.FAILED: _("failed"),
        OutboxStatus.CANCELLED: _("not sent (cancelled)"),
        OutboxStatus.EXPIRED: _("not sent (too late)"),
    }[OutboxStatus(value)]


def message_kind(kind: str) -> str:
    return {
        MessageKind.INFO: _("Information"),
        MessageKind.REMINDER: _("Reminder"),
        MessageKind.SURVEY: _("Survey"),
        MessageKind.FOLLOW_UP: _("Follow-up duty"),
        MessageKind.ALERT: _("Alert to the convenor"),
        MessageKind.CHANGE: _("Change notice"),
        MessageKind.CANCEL: _("Cancellation notice"),
        MessageKind.SUMMARY: _("Summary after the meeting"),
        MessageKind.NOTES_REQUEST: _("Request for the notes"),
        MessageKind.DIGEST: _("Daily digest"),
        MessageKind.RECEIPT: _("Answer to their message"),
        MessageKind.OUTCOME: _("Question about what the person does now"),
    }.get(kind, _("Message"))


def tick(value: TickState) -> str:
    return {
        TickState.DONE: _("done"),
        TickState.NOT_APPLICABLE: _("not applicable"),
        TickState.LATER: _("later"),
    }[value]


def note(value: NoteKind) -> str:
    return {
        NoteKind.PERSON_VIEW: _("The person's view"),
        NoteKind.DECISION: _("Decision"),
        NoteKind.NEXT_MEETING: _("Next meeting"),
        NoteKind.OTHER: _("Note"),
    }[value]


def action(value: ActionStatus) -> str:
    return {
        ActionStatus.OPEN: _("open"),
        ActionStatus.DONE: _("done"),
        ActionStatus.CANCELLED: _("cancelled"),
    }[value]


def response(value: AttendeeResponse | str | None) -> str:
    if value is None:
        return "–"
    return {
        AttendeeResponse.PENDING: _("not answered"),
        AttendeeResponse.CONFIRMED: _("confirmed"),
        AttendeeResponse.DECLINED: _("cannot come"),
    }[AttendeeResponse(value)]


def question(key: str) -> str:
    return {
        "knew_why": _("Knew why the meeting was held and who would come"),
        "could_say": _("Could say what they wanted (1-5)"),
        "next_known": _("Knows what happens next"),
    }[key]
