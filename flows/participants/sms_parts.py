"""How many SMS parts a text costs: GSM-7 (160, or 153 a part) or UCS-2 (70, or 67).

One character outside the GSM 03.38 alphabet makes the whole message UCS-2.
Characters of the extension table (`{ } [ ] ~ | ^ € \\` and form feed) take two
septets and are never split across parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# 3GPP TS 23.038 basic character set.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# Typographic characters that Babel, phones and word processors put in, which would
# make a Swedish text UCS-2, and their plain GSM-7 equivalents.
TYPOGRAPHIC = {
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space (CLDR time formats)
    **{chr(c): " " for c in range(0x2000, 0x200B)},  # en/em/thin/hair... spaces
    "\u205f": " ",  # medium mathematical space
    "\u3000": " ",  # ideographic space
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",  # prime
    "\u00b4": "'",  # acute accent typed as an apostrophe
    "`": "'",
    "\u2039": "'",
    "\u203a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',  # double prime
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",  # minus sign (CLDR negative numbers in sv)
    "\u2022": "-",  # bullet
    "\u2026": "...",
}
_GSM7_LOOKALIKES = str.maketrans(TYPOGRAPHIC)


@dataclass(frozen=True)
class SmsParts:
    encoding: Literal["GSM-7", "UCS-2"]
    parts: int
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _count_parts(sizes: list[int], single: int, per_part: int) -> int:
    total = sum(sizes)
    if total <= single:
        return 1
    parts, used = 1, 0
    for size in sizes:  # walk: a two-unit character never straddles two parts
        if used + size > per_part:
            parts, used = parts + 1, 0
        used += size
    return parts


def sms_parts(text: str) -> SmsParts:
    if is_gsm7(text):
        sizes = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return SmsParts("GSM-7", _count_parts(sizes, 160, 153), sum(sizes))
    sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]  # surrogate pairs
    return SmsParts("UCS-2", _count_parts(sizes, 70, 67), sum(sizes))


def gsm7_safe(text: str) -> str:
    """Swaps typographic look-alikes for plain ones; other characters are left alone."""
    return text.translate(_GSM7_LOOKALIKES)


def typographic_in(text: str) -> str:
    """The typographic characters of `text` that `gsm7_safe` would swap, each once."""
    return "".join(dict.fromkeys(ch for ch in text if ch in TYPOGRAPHIC))


def not_gsm7_in(text: str) -> str:
    """The characters of `text` that make it UCS-2 even after `gsm7_safe`, each once."""
    return "".join(
        dict.fromkeys(
            ch for ch in gsm7_safe(text) if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION
        )
    )
