"""Every user-facing string in code is in each catalog, translated, and the catalogs load."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.web.info_routes import TEMPLATES_DIR, environment
from flows.core.i18n import LOCALES_DIR, SUPPORTED, ngettext, translations, use_locale

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-o",
            str(pot),
            "--no-location",
            "bot",
            "flows",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def _read(locale: str):
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _translated(message) -> bool:
    strings = [message.string] if isinstance(message.string, str) else list(message.string)
    return all(s.strip() for s in strings) and "fuzzy" not in message.flags


# Every shipped catalog, Arabic included: a participant may be written to in any of them,
# and an untranslated string falls back to English in the middle of an Arabic text.
@pytest.mark.parametrize("locale", SUPPORTED)
def test_catalog_has_every_string_translated(extracted, locale):
    translated = {_key(m) for m in _read(locale) if m.id and _translated(m)}
    missing = extracted - translated
    assert not missing, f"run `make locales` and translate in {locale}: {sorted(missing)}"


@pytest.mark.parametrize("locale", SUPPORTED)
def test_catalog_has_no_untranslated_or_fuzzy_entry(locale):
    bad = [_key(m) for m in _read(locale) if m.id and not _translated(m)]
    assert not bad, f"untranslated or fuzzy in {locale}: {bad}"


def test_every_locale_in_the_tree_is_shipped():
    shipped = {p.parent.parent.name for p in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po")}
    assert shipped == set(SUPPORTED)


@pytest.mark.parametrize("locale", SUPPORTED)
def test_compiled_catalog_loads(locale):
    assert isinstance(translations(locale), Translations)


def _msgids_in_code() -> list[tuple[str, int, str]]:
    """Every literal first argument of `_()` / `ngettext()` in bot/ and flows/ (ast only)."""
    found = []
    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "flows").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "ngettext")
            ):
                for arg in node.args[: 2 if node.func.id == "ngettext" else 1]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.append((str(path.relative_to(ROOT)), node.lineno, arg.value))
    return found


def test_no_plural_is_written_with_s_in_brackets(extracted):
    written = [f"{path}:{line}: {text}" for path, line, text in _msgids_in_code() if "(s)" in text]
    written += sorted(text for text in extracted if "(s)" in text)  # the web pages too
    assert written == [], "use ngettext for a plural, not '(s)':\n" + "\n".join(written)


@pytest.mark.parametrize("locale", SUPPORTED)
def test_every_web_template_parses(locale):
    """The extractor skips a template it cannot parse without a word: its strings would
    silently leave the catalogs. A syntax error fails here instead."""
    env = environment(locale)
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        env.get_template(path.relative_to(TEMPLATES_DIR).as_posix())


@pytest.mark.parametrize("locale", SUPPORTED)
def test_counted_messages_take_the_form_of_their_number(locale):
    with use_locale(locale):
        one = ngettext(
            "The information is on its way: {n} message.",
            "The information is on its way: {n} messages.",
            1,
        )
        many = ngettext(
            "The information is on its way: {n} message.",
            "The information is on its way: {n} messages.",
            5,
        )
    assert one != many and "5" in many
    if locale == "en":
        assert many == "The information is on its way: 5 messages."
