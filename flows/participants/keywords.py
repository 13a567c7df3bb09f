"""Reply keywords in Swedish, English and Arabic, as people actually type them.

The words are data (`flows/participants/data/replies.json`), per language. Case, accents,
apostrophes, surrounding punctuation and emoji do not matter: "Ja!", "ja.",
" JA ", "jä" and "Ja tack 👍" are all yes. A reply is yes or no only when all of
it is yes (or no) phrases and polite filler: "ja men jag kommer sent" and
"nej men jag kommer ändå" are messages for the convenor, not answers.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "replies.json"
MAX_CHARS = 100  # an answer is short; a long text is a message
MAX_WORDS = 12


class Keyword(StrEnum):
    YES = "yes"
    NO = "no"
    STOP = "stop"
    START = "start"
    HELP = "help"


class _Tag(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_COMING = "not_coming"
    REGRET = "regret"
    NEUTRAL = "neutral"


# Emoji stand for a word of their own (normalise() would drop them as punctuation).
_EMOJI_WORD = {_Tag.YES: " emojiyes ", _Tag.NO: " emojino "}
_ALIF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_APOSTROPHES = re.compile(r"['’ʼ`´]")
_RUNS = re.compile(r"(.)\1{2,}")  # "jaaaa", "neeej", "yesss": three or more of a letter


# After a STOP, only these (normalised) start again besides START itself: Twilio's own
# opt-in words are START, YES and UNSTOP, so a wider yes ("ok", "ja tack") would make us
# believe the person reachable while Twilio still blocks the number.
BARE_YES = frozenset({"yes", "ja", "نعم"})


def normalise(text: str) -> str:
    """Lower case, accents off (å->a, ä->a, ö->o), only letters and single spaces;
    apostrophes joined ("can't" -> "cant"), a letter typed three times or more once.

    Arabic letters stay (their vowel marks go, like accents); tatweel, the hamza
    forms of alif, alif maqsura and ta marbuta are folded so "نَعَم" and "نعم" match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = _APOSTROPHES.sub("", plain.replace("\u0640", "")).translate(_ALIF)
    plain = _RUNS.sub(r"\1", plain)
    return " ".join(re.sub(r"[^a-z\u0621-\u064a ]+", " ", plain).split())


@dataclass(frozen=True)
class _Lexicon:
    phrases: dict[tuple[str, ...], _Tag]
    longest: int
    emoji: dict[str, _Tag]
    commands: dict[str, Keyword]


@cache
def _lexicon() -> _Lexicon:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    phrases: dict[tuple[str, ...], _Tag] = {}
    for language, tags in data["answers"].items():
        for tag, words in tags.items():
            for word in words:
                key = tuple(normalise(word).split())
                if phrases.get(key, _Tag(tag)) is not _Tag(tag):
                    raise ValueError(f"{word!r} ({language}) is both {phrases[key]} and {tag}")
                phrases[key] = _Tag(tag)
    for tag, token in _EMOJI_WORD.items():
        phrases[(token.strip(),)] = tag
    emoji = {ch: _Tag(tag) for tag, chars in data["emoji"].items() for ch in chars}
    commands = {
        normalise(word): Keyword(kind) for kind, words in data["commands"].items() for word in words
    }
    clash = {" ".join(words) for words in phrases} & set(commands)
    if clash:
        raise ValueError(f"both an answer and a command: {sorted(clash)}")
    return _Lexicon(phrases, max(len(key) for key in phrases), emoji, commands)


def _words(text: str) -> list[str]:
    lexicon = _lexicon()
    marked = "".join(_EMOJI_WORD[lexicon.emoji[ch]] if ch in lexicon.emoji else ch for ch in text)
    return normalise(marked).split()


def _tags(words: list[str]) -> list[_Tag] | None:
    """The reply cut into known phrases, longest first; None if any part is unknown."""
    lexicon = _lexicon()
    tags, at = [], 0
    while at < len(words):
        for size in range(min(lexicon.longest, len(words) - at), 0, -1):
            tag = lexicon.phrases.get(tuple(words[at : at + size]))
            if tag is not None:
                tags.append(tag)
                at += size
                break
        else:
            return None
    return tags


def keyword(text: str) -> Keyword | None:
    if len(text) > MAX_CHARS:
        return None
    words = _words(text)
    command = _lexicon().commands.get(" ".join(words))
    if command is not None:
        return command
    if not words or len(words) > MAX_WORDS:
        return None
    tags = _tags(words)
    if tags is None:
        return None
    yes = _Tag.YES in tags
    no = _Tag.NO in tags or _Tag.NOT_COMING in tags
    if yes and not no and _Tag.REGRET not in tags:
        return Keyword.YES
    if no and not yes:
        return Keyword.NO
    return None


def says_not_coming(text: str) -> bool:
    """A no that says "I cannot come" ("kan inte komma"), not only "no": it declines
    the meeting even while a survey question is open."""
    if keyword(text) is not Keyword.NO:
        return False
    return _Tag.NOT_COMING in (_tags(_words(text)) or [])
