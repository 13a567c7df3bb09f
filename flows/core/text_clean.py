"""Free text as it comes in, made safe to store and to send: one function for every input.

Invisible format characters (Unicode category Cf: bidi overrides and isolates,
zero-width spaces and joiners, the byte order mark, soft hyphens...) are
removed: they reverse rows on the dashboard, hide words, and make an SMS UCS-2
for nothing. Control characters other than line breaks and tabs go too. The
rest is NFC-normalised, so "ä" typed as "a" + a combining mark is one letter
(and GSM-7) like everywhere else.

Every input point calls `clean`: the convenor's typed answers (flows.meetings.convenor),
the JSON API (flows.meetings.meeting_intake), SMS and Telegram replies (flows.participants.inbound),
staff names at sign-up (flows.staff.onboarding).
"""

from __future__ import annotations

import unicodedata

_KEPT_CONTROLS = frozenset("\n\r\t")


def _visible(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cf":
        return False
    return category != "Cc" or ch in _KEPT_CONTROLS


def clean(text: str) -> str:
    """The text without invisible format or control characters, NFC-normalised."""
    if text.isascii() and text.isprintable():
        return text  # the common case, at no cost
    # Removed before normalising: a dropped character can let two others compose.
    kept = "".join(ch for ch in text if _visible(ch))
    return unicodedata.normalize("NFC", kept)


def clean_optional(text: str | None) -> str | None:
    return None if text is None else clean(text)
