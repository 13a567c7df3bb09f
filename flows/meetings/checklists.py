"""The MötesFokus checklists as data (`flows/meetings/data/checklists.json`), and their progress.

Items are data, not code: their wording in each language lives in the file,
beside their stable key, which is what `ChecklistTick.item_key` stores.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from storage.models import Checklist, TickState

DATA = Path(__file__).with_name("data") / "checklists.json"


@dataclass(frozen=True)
class Item:
    key: str
    text: dict[str, str]  # locale -> wording

    def wording(self, locale: str) -> str:
        return self.text.get(locale) or self.text["sv"]


@cache
def items(checklist: Checklist) -> tuple[Item, ...]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))[checklist.value]
    return tuple(
        Item(entry["key"], {k: v for k, v in entry.items() if k != "key"}) for entry in raw
    )


def item(checklist: Checklist, key: str) -> Item | None:
    return next((i for i in items(checklist) if i.key == key), None)


def progress(ticks: dict[str, TickState], checklist: Checklist) -> tuple[int, int]:
    """(settled, applicable): not-applicable items leave the count; 'later' is not settled."""
    applicable = [i for i in items(checklist) if ticks.get(i.key) is not TickState.NOT_APPLICABLE]
    settled = sum(1 for i in applicable if ticks.get(i.key) is TickState.DONE)
    return settled, len(applicable)


def progress_bar(done: int, total: int, width: int = 5) -> str:
    """'▰▰▰▱▱ 3/5': `width` cells, rounded down so a bar is full only when all is done."""
    if total <= 0:
        return "▱" * width + " 0/0"
    filled = width * done // total
    return "▰" * filled + "▱" * (width - filled) + f" {done}/{total}"
