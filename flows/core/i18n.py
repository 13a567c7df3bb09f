"""Translations through Babel catalogs, one locale per update or job.

No global `install()`: each update or job sets the recipient's locale in a
ContextVar, and `_()` reads it. Catalogs are loaded once per locale.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
SUPPORTED = ("sv", "en", "ar")  # participants' languages; every one has a catalog
STAFF_LOCALES = ("sv", "en")  # the staff interface (Arabic covers participant texts only)
DEFAULT = "sv"

_current: ContextVar[str] = ContextVar("flerpart_locale", default=DEFAULT)


class MissingCatalog(RuntimeError):
    """A compiled catalog is missing: run `pybabel compile -d locales`."""


@cache
def translations(locale: str) -> NullTranslations:
    # Translations.load falls back to NullTranslations silently; we want to know.
    loaded = Translations.load(str(LOCALES_DIR), [locale], DOMAIN)
    if not isinstance(loaded, Translations):
        raise MissingCatalog(f"no compiled catalog for {locale!r} in {LOCALES_DIR}")
    return loaded


def normalise_locale(code: str | None, allowed: tuple[str, ...] = SUPPORTED) -> str:
    """Telegram's language_code ('sv', 'en-GB') to one we support."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in allowed else DEFAULT


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    token = _current.set(normalise_locale(locale))
    try:
        yield
    finally:
        _current.reset(token)


def current_locale() -> str:
    return _current.get()


def _(message: str, **params: object) -> str:
    text = translations(_current.get()).gettext(message)
    return text.format(**params) if params else text


def N_(message: str) -> str:
    """Marks a msgid for the catalogs without translating it: for text stored as data and
    translated later, in its reader's language (an outbox row's button labels)."""
    return message


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(_current.get()).ngettext(singular, plural, n)
    return text.format(n=n, **params)


def check_catalogs() -> None:
    """Fail early (at start) when a catalog was not compiled."""
    for locale in SUPPORTED:
        translations(locale)
