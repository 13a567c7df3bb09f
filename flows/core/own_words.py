"""The convenor's own words (purpose, decisions) for a reader who may speak another language.

The convenor writes in their language (`Meeting.language`). When a participant's
language differs, `/new` and `/after` ask for the same words in the participant's
language too (`Meeting.person_texts`); if the convenor skipped that, the reader gets
the original, and the text around it says which language it is in.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import Attendee, AttendeeRole, Meeting, Person

PURPOSE = "purpose"
DECISIONS = "decisions"


@dataclass(frozen=True)
class Words:
    text: str
    foreign: str | None  # the language code of `text` when it is not the reader's


def for_reader(meeting: Meeting, key: str, original: str, locale: str) -> Words:
    """`original` (in the meeting's language), or the reader's own version of it."""
    if locale == meeting.language:
        return Words(original, None)
    given = (meeting.person_texts or {}).get(key, {}).get(locale)
    if given:
        return Words(given, None)
    return Words(original, meeting.language if original else None)


def versions(meeting: Meeting, key: str) -> dict[str, str]:
    """The readers' versions of `key`, by language."""
    return dict((meeting.person_texts or {}).get(key, {}))


def differs(meeting: Meeting, locale: str) -> bool:
    return locale != meeting.language


def store(meeting: Meeting, key: str, locale: str, text: str | None) -> None:
    """Sets (or with None clears) the reader's version; the caller saves `person_texts`."""
    texts = dict(meeting.person_texts or {})
    versions = dict(texts.get(key, {}))
    if text:
        versions[locale] = text
    else:
        versions.pop(locale, None)
    texts[key] = versions
    meeting.person_texts = texts


def clear(meeting: Meeting, key: str) -> None:
    """The original changed: its versions are stale."""
    texts = dict(meeting.person_texts or {})
    texts.pop(key, None)
    meeting.person_texts = texts


async def foreign_reader(meeting: Meeting) -> Person | None:
    """The person in focus, when they read another language than the convenor wrote in:
    the one whose own version of the convenor's words /new and /after ask for."""
    attendee = await Attendee.get_or_none(
        meeting=meeting, role=AttendeeRole.PERSON_IN_FOCUS
    ).prefetch_related("person")
    person = attendee.person if attendee else None
    if person is None or not differs(meeting, person.language):
        return None
    return person
