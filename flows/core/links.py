"""Links to our own pages inside messages. The base URL is configuration
(PUBLIC_BASE_URL, or the local address in local mode), set once at start."""

from __future__ import annotations

_base = {"url": "http://127.0.0.1:8080", "bot": "flerpart_local_bot"}


def set_public_base(url: str) -> None:
    _base["url"] = url.rstrip("/")


def info_link(token: str, locale: str) -> str:
    """The participant page; Swedish is the default, other languages say so."""
    url = f"{_base['url']}/i/{token}"
    return url if locale == "sv" else f"{url}?lang={locale}"


def set_bot_username(username: str) -> None:
    _base["bot"] = username


def telegram_start(code: str) -> str:
    """A t.me deep link: opening it sends `/start <code>` to our bot."""
    return f"https://t.me/{_base['bot']}?start={code}"
