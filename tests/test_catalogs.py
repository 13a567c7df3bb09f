"""Every user-facing string in code is in each catalog, translated, and the catalogs load."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

from flows.i18n import LOCALES_DIR, STAFF_LOCALES, SUPPORTED, translations

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


# Arabic covers what participants read; tests/test_participant_texts.py checks that.
@pytest.mark.parametrize("locale", STAFF_LOCALES)
def test_catalog_has_every_string_translated(extracted, locale):
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string))
    }
    missing = extracted - translated
    assert not missing, f"run `make locales` and translate in {locale}: {sorted(missing)}"


@pytest.mark.parametrize("locale", SUPPORTED)
def test_compiled_catalog_loads(locale):
    assert isinstance(translations(locale), Translations)
