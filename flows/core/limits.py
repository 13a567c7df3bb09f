"""How long each free-text field of a meeting may be: one definition for every way in.

The convenor's questions in the bot (flows.meetings.meeting_form), meetings made through the JSON
API (flows.meetings.meeting_intake) and the API's OpenAPI document (maxLength) all read these, so
nothing the API takes could not have been typed to the bot. Each fits its column in
storage.models (a test checks).
"""

from __future__ import annotations

from typing import Final

PURPOSE: Final = 500  # Meeting.purpose
PLACE: Final = 300  # Meeting.place
FIRST_NAME: Final = 80  # Person.first_name
WHY: Final = 200  # Attendee.why: one line
PHONE: Final = 40  # as typed ("070-174 06 05"); stored as E.164
TIMEZONE: Final = 64  # Meeting.timezone: an IANA name
