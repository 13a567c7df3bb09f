"""The participant information page (`/i/<token>`) and its calendar file, channel-free.

No login: the link in the SMS is the only key, so the page shows what the information
SMS says and nothing more (no phone numbers, no case details). Every information
message carries its own unguessable token, so no two attendees share a key and the
page knows whose it is; only the token's sha256 is stored. The page is gone once the
meeting has ended or was cancelled.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from icalendar import Calendar, Event

from flows.core import labels, own_words
from flows.core.i18n import SUPPORTED, _, normalise_locale, use_locale
from flows.core.meeting_time import when
from flows.outcomes import ladder
from storage.models import Agency, Attendee, AttendeeRole, InfoLink, Meeting, MeetingStatus

# What `secrets.token_urlsafe` makes; anything else is refused before the database.
TOKEN_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{20,64}")
# A meeting without an end time is taken to last this long.
ASSUMED_LENGTH = timedelta(hours=2)
_UNNAMED_AGENCIES = (Agency.NONE, Agency.OTHER)  # "No agency" / "Other" say nothing


@dataclass(frozen=True)
class AttendeeLine:
    name: str
    agency: str  # the agency's label in the page's language, "" when none
    why: str
    why_note: str = ""  # "(in Swedish)" when `why` is not in the page's language


@dataclass(frozen=True)
class InfoView:
    """Everything the page and the .ics show, already in the page's language."""

    meeting_id: int
    attendee_id: int | None  # whose link opened the page (None: a link from before 0005)
    locale: str
    purpose: str
    purpose_note: str  # "(in Swedish)" when the purpose is not in the page's language
    day: str  # "tisdag 3 december"
    start: str  # "10:00"
    end: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    place: str
    place_is_link: bool
    attendees: tuple[AttendeeLine, ...]
    convenor_name: str  # "" when the meeting has no convenor yet
    composed_at: datetime
    # The person in focus's page: the six steps, as the survey may ask where they are.
    steps: tuple[tuple[int, str], ...] = ()

    @property
    def has_whys(self) -> bool:
        return any(line.why for line in self.attendees)


@dataclass(frozen=True)
class Gone:
    """The page existed but is over: the meeting ended or was cancelled."""


GONE: Final = Gone()


def text_locale(locale: str) -> str:
    """The catalog to read for a language asked for in a URL: ours, else English."""
    return locale if locale in SUPPORTED else "en"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_info_token(attendee: Attendee) -> str:
    """A new key to the meeting's page for this attendee, shown once (in the message
    that carries it); earlier keys stay valid, so every link already sent still works."""
    token = secrets.token_urlsafe(24)
    await InfoLink.create(
        token_hash=hash_token(token), meeting_id=attendee.meeting_id, attendee_id=attendee.id
    )
    return token


def meeting_end(meeting: Meeting) -> datetime:
    assert meeting.starts_at is not None
    return meeting.ends_at or meeting.starts_at + ASSUMED_LENGTH


async def info_for(token: str, now: datetime, locale: str) -> InfoView | Gone | None:
    """The page for a token: a view, GONE (ended or cancelled), or None (unknown)."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    # Looked up by its hash: the database never compares the token itself.
    link = await InfoLink.get_or_none(token_hash=hash_token(token))
    if link is None:
        return None
    meeting = await Meeting.get_or_none(id=link.meeting_id).prefetch_related("convenor")
    if meeting is None or meeting.starts_at is None:
        return None
    if (
        meeting.status is MeetingStatus.CANCELLED
        or meeting.anonymised_at is not None
        or now >= meeting_end(meeting)
    ):
        return GONE
    return await _compose(meeting, link.attendee_id, normalise_locale(locale), now)


async def _compose(
    meeting: Meeting, attendee_id: int | None, locale: str, now: datetime
) -> InfoView:
    assert meeting.starts_at is not None
    day, start = when(meeting, locale)
    ends_at = meeting_end(meeting)
    end = format_datetime(ends_at, "HH:mm", tzinfo=ZoneInfo(meeting.timezone), locale=locale)
    attendees = (
        await Attendee.filter(meeting=meeting)
        .order_by("id")
        .prefetch_related("person", "staff_user")
    )
    with use_locale(text_locale(locale)):
        lines = tuple(
            line
            for a in attendees
            if (line := _line(a, meeting, locale, read_by_them=a.id == attendee_id)) is not None
        )
        purpose = own_words.for_reader(meeting, own_words.PURPOSE, meeting.purpose, locale)
        purpose_note = _note(purpose.foreign)
        theirs = any(
            a.id == attendee_id and a.role is AttendeeRole.PERSON_IN_FOCUS for a in attendees
        )
        steps = tuple((n, ladder.description(n)) for n in ladder.STEPS) if theirs else ()
    return InfoView(
        meeting_id=meeting.id,
        attendee_id=attendee_id,
        locale=locale,
        purpose=purpose.text,
        purpose_note=purpose_note,
        day=day,
        start=start,
        end=end,
        starts_at=meeting.starts_at,
        ends_at=ends_at,
        timezone=meeting.timezone,
        place=meeting.place,
        place_is_link=_is_link(meeting.place),
        attendees=lines,
        convenor_name=_first_word(meeting.convenor.display_name) if meeting.convenor else "",
        composed_at=now,
        steps=steps,
    )


def _note(language: str | None) -> str:
    return _("(in {language})", language=labels.language(language)) if language else ""


def _line(
    attendee: Attendee, meeting: Meeting, locale: str, read_by_them: bool
) -> AttendeeLine | None:
    # First names only: the page is reachable by anyone holding the link.
    if attendee.person is not None:
        name = attendee.person.first_name
    elif attendee.staff_user is not None:
        name = _first_word(attendee.staff_user.display_name)
    else:
        return None  # the person was erased; nothing to show
    agency = "" if attendee.agency in _UNNAMED_AGENCIES else labels.agency(attendee.agency)
    # "It is your meeting." only on the person's own link: others read who it is about.
    why = labels.attendee_why(attendee, name, read_by_them)
    # Only the person's own line is ours; any other "why" is the convenor's words.
    foreign = bool(attendee.why) and own_words.differs(meeting, locale)
    return AttendeeLine(
        name=name, agency=agency, why=why, why_note=_note(meeting.language if foreign else None)
    )


def _heading(text: str, note: str) -> str:
    return f"{text} {note}" if note else text


def _first_word(text: str) -> str:
    return (text.split() or [""])[0]


def _is_link(place: str) -> bool:
    # Only web links become links: a "javascript:" place stays text.
    parts = urlsplit(place.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in place.strip()


def ics_for(view: InfoView) -> bytes:
    """One VEVENT in the meeting's own time zone, worded in the page's language."""
    calendar = Calendar()
    calendar.add("prodid", "-//flerpart//participant information//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"meeting-{view.meeting_id}@flerpart")
    event.add("dtstamp", view.composed_at)
    tz = ZoneInfo(view.timezone)
    event.add("dtstart", view.starts_at.astimezone(tz))
    event.add("dtend", view.ends_at.astimezone(tz))
    with use_locale(text_locale(view.locale)):
        # Discreet on purpose: calendars show the summary in notifications.
        event.add("summary", _("Your meeting"))
        event.add("description", _description(view))
    if view.place:
        event.add("location", view.place)
    calendar.add_component(event)
    calendar.add_missing_timezones()  # VTIMEZONE for the TZID, so calendars agree on the hour
    return calendar.to_ical()


def _description(view: InfoView) -> str:
    """The page's sections as plain text, with the page's own msgids."""
    lines = []
    if view.purpose:
        lines += [_heading(_("Why we meet"), view.purpose_note), view.purpose, ""]
    if view.attendees:
        lines.append(_("Who comes, and why") if view.has_whys else _("Who comes"))
    for line in view.attendees:
        who = f"{line.name}, {line.agency}" if line.agency else line.name
        why = f"{line.why} {line.why_note}".strip()
        lines.append(f"- {who}: {why}" if line.why else f"- {who}")
    if view.attendees:
        lines.append("")
    lines += [_("You may bring someone you trust."), _("You may take breaks."), ""]
    lines.append(_("Questions?"))
    if view.convenor_name:
        lines.append(_("Reply to the SMS and {name} reads it.", name=view.convenor_name))
    else:
        lines.append(_("Reply to the SMS and we read it."))
    return "\n".join(lines)
