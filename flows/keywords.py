"""Reply keywords in Swedish, English and Arabic, as people actually type them.

Case, accents, surrounding punctuation and emoji do not matter: "Ja!", "ja.",
" JA " and "jä" are all yes. Only a message that is the keyword alone counts;
"ja men jag kommer sent" is a message for the convenor, not a yes.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Keyword(StrEnum):
    YES = "yes"
    NO = "no"
    STOP = "stop"
    START = "start"
    HELP = "help"


_WORDS = {
    Keyword.YES: {"ja", "yes", "japp", "jo", "ok", "okej", "y", "j", "نعم"},
    Keyword.NO: {"nej", "no", "n", "kan inte", "cannot", "cant", "can not", "kommer inte", "لا"},
    # Twilio's own opt-out words are honoured too: it blocks the number on its side.
    Keyword.STOP: {
        "stopp",
        "stop",
        "stoppa",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "avsluta",
        "sluta",
        "توقف",
    },
    Keyword.START: {"start", "unstop", "starta", "ابدا"},
    Keyword.HELP: {"hjalp", "help", "info", "مساعدة"},
}
_ALIF = str.maketrans("أإآ", "ااا")
_LOOKUP = {word: keyword for keyword, words in _WORDS.items() for word in words}


def normalise(text: str) -> str:
    """Lower case, accents off (å->a, ä->a, ö->o), only letters and single spaces.

    Arabic letters stay (their vowel marks go, like accents); tatweel and the
    hamza forms of alif are folded so "نَعَم" and "نعم" match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("\u0640", "").translate(_ALIF)
    return " ".join(re.sub(r"[^a-z\u0621-\u064a ]+", " ", plain).split())


def keyword(text: str) -> Keyword | None:
    if len(text) > 40:  # a keyword is short; a long text is a message
        return None
    return _LOOKUP.get(normalise(text))
