"""The words for the domain's fixed choices, in the current locale.

Functions, not constants: `_()` reads the locale of the update at call time.
"""

from __future__ import annotations

from collections.abc import Sequence

from flows.core.guard_rails import Caution
from flows.core.i18n import _, ngettext
from storage.models import Agency, Attendee, AttendeeRole, Channel, MeetingKind, MeetingStatus

LANGUAGE_NAMES = {"sv": "Svenska", "en": "English", "ar": "العربية"}  # each in its own language


def kind(value: MeetingKind) -> str:
    return {
        MeetingKind.FIRST: _("First meeting"),
        MeetingKind.FOLLOW_UP: _("Follow-up"),
        MeetingKind.HANDOVER: _("Handover or closing"),
        MeetingKind.COORDINATED_PLAN: _("Coordinated individual plan (SIP)"),
    }[value]


def agency(value: Agency) -> str:
    return {
        Agency.ARBETSFORMEDLINGEN: _("Arbetsförmedlingen"),
        Agency.FORSAKRINGSKASSAN: _("Försäkringskassan"),
        Agency.KOMMUN: _("Municipality / social services"),
        Agency.REGION: _("Region / health care"),
        Agency.OTHER: _("Other"),
        Agency.NONE: _("No agency"),
    }[value]


def role(value: AttendeeRole) -> str:
    return {
        AttendeeRole.PERSON_IN_FOCUS: _("the person in focus"),
        AttendeeRole.REFERRER: _("referrer"),
        AttendeeRole.AGENCY_STAFF: _("agency staff"),
        AttendeeRole.RELATIVE: _("relative or trusted person"),
        AttendeeRole.INTERPRETER: _("interpreter"),
        AttendeeRole.OTHER: _("other"),
    }[value]


def channel(value: Channel) -> str:
    return {Channel.SMS: _("SMS"), Channel.TELEGRAM: _("Telegram")}[value]


def status(value: MeetingStatus) -> str:
    return {
        MeetingStatus.DRAFT: _("being prepared"),
        MeetingStatus.PLANNED: _("information sent"),
        MeetingStatus.HELD: _("held"),
        MeetingStatus.NO_SHOW: _("the person did not come"),
        MeetingStatus.CANCELLED: _("cancelled"),
        MeetingStatus.MOVED: _("moved"),
        MeetingStatus.CLOSED: _("closed"),
    }[value]


def caution(value: Caution, agencies: Sequence[Agency] = ()) -> str:
    if value is Caution.SAME_AGENCY and agencies:
        return ngettext(
            "More than one person comes from {agencies}. One per agency is usually enough.",
            "More than one person comes from each of {agencies}. One per agency is usually enough.",
            len(agencies),
            agencies=", ".join(agency(a) for a in agencies),
        )
    return {
        Caution.FK_WITHOUT_PERSON: _(
            "Försäkringskassan may not take part without the person in focus."
        ),
        Caution.NO_REFERRER: _("The referrer is not invited."),
        Caution.SAME_AGENCY: _("More than one person comes from the same agency."),
        Caution.TOO_MANY: _("More than six people: a big meeting can feel overwhelming."),
        Caution.NO_INTERPRETER: _("An interpreter is needed, but none is invited."),
    }[value]


def language(code: str) -> str:
    """A language's name in the reader's language ("Swedish", "svenska", "السويدية")."""
    names = {"sv": _("Swedish"), "en": _("English"), "ar": _("Arabic")}
    return names.get(code, code)


def attendee_why(attendee: Attendee, name: str = "", read_by_them: bool = True) -> str:
    """Why they come, for the reader. The person in focus's line is ours, so it is worded
    here in the reader's language (never stored translated), to them or about them;
    anyone else's is the convenor's own words."""
    if attendee.role is AttendeeRole.PERSON_IN_FOCUS and not attendee.why:
        if read_by_them:
            return _("It is your meeting.")
        return _("The meeting is about {name}.", name=name)
    return attendee.why
