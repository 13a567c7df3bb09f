"""The import graph of bot/, flows/ and storage/: imports point down only, and no cycles.

Read with `ast` alone (nothing is imported, no database), so it takes well under a second.
Every import counts: module level, inside functions, and under `if TYPE_CHECKING:`.
The floors are storage <- flows <- bot: storage imports neither flows nor bot, flows
never imports bot. Between modules there is no cycle, not even one hidden behind an
import inside a function.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("storage", "flows", "bot")  # lowest floor first
FLOOR = {name: level for level, name in enumerate(PACKAGES)}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


def _deepest_known(name: str, known: dict[str, Path]) -> str | None:
    """`a.b.c` when that is one of ours, else `a.b`, else `a`; None for outside code."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def _imports(module: str, path: Path, known: dict[str, Path]) -> dict[str, int]:
    """The modules of ours that `module` imports, each with the line of its first import."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from ..y import z
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from flows import campaign` imports the module flows.outbox.campaign;
            # `from flows.core.clock import clock` imports flows.core.clock.
            targets = [f"{base}.{alias.name}" for alias in node.names] or [base]
        for target in targets:
            imported = _deepest_known(target, known)
            if imported is not None and imported != module:
                found.setdefault(imported, node.lineno)
        # A package's own __init__ runs before any of its modules; it is not an edge
        # of the module graph (every module would otherwise "import" its package).
    return found


def _graph() -> dict[str, dict[str, int]]:
    known = _sources()
    return {module: _imports(module, path, known) for module, path in known.items()}


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle for each strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a deep graph never meets the recursion limit.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return [_one_cycle(graph, group) for group in groups]


def _one_cycle(graph: dict[str, dict[str, int]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for child in sorted(graph[node]):
                if child not in group:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    return sorted(group)  # unreachable: a strongly connected group has a cycle


def _describe(graph: dict[str, dict[str, int]], cycle: list[str]) -> str:
    """The cycle step by step, then every module caught in the same knot."""
    steps = [f"{a} (line {graph[a][b]}) -> {b}" for a, b in itertools.pairwise(cycle)]
    knot = _knot(graph, cycle[0])
    return "cycle: " + "; ".join(steps) + f"  [knot: {', '.join(sorted(knot))}]"


def _knot(graph: dict[str, dict[str, int]], module: str) -> set[str]:
    """The modules that `module` reaches and that reach it back."""

    def reach(edges: dict[str, set[str]]) -> set[str]:
        seen, todo = {module}, [module]
        while todo:
            for other in edges.get(todo.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return seen

    forward = {node: set(targets) for node, targets in graph.items()}
    backward: dict[str, set[str]] = {}
    for node, targets in graph.items():
        for target in targets:
            backward.setdefault(target, set()).add(node)
    return reach(forward) & reach(backward)


def test_the_walk_sees_imports_inside_functions_and_relative_ones(tmp_path):
    source = tmp_path / "pkg" / "mod.py"
    source.parent.mkdir()
    source.write_text(
        "import os\n"
        "from . import sibling\n"
        "from .deep.leaf import thing\n"
        "def late():\n"
        "    from pkg import other\n"
        "    import pkg.third\n"
    )
    known = {
        name: source
        for name in ("pkg", "pkg.mod", "pkg.sibling", "pkg.deep.leaf", "pkg.other", "pkg.third")
    }
    assert set(_imports("pkg.mod", source, known)) == {
        "pkg.sibling",
        "pkg.deep.leaf",
        "pkg.other",
        "pkg.third",
    }


def test_a_cycle_is_found_and_spelled_out():
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b": 1}, "b": {}}) == []


def test_every_package_is_walked():
    graph = _graph()
    assert {"storage.models", "flows.meetings.meeting_form", "bot.web.app"} <= set(graph)
    assert "flows.meetings.meeting_card" in graph["flows.meetings.convenor"]


def test_no_module_imports_a_floor_above_its_own():
    graph = _graph()
    upward = [
        f"{module} imports {target} (line {line})"
        for module, targets in sorted(graph.items())
        for target, line in sorted(targets.items())
        if FLOOR[target.split(".")[0]] > FLOOR[module.split(".")[0]]
    ]
    assert upward == [], "imports must point down (storage <- flows <- bot):\n" + "\n".join(upward)


def test_no_import_cycle():
    graph = _graph()
    found = [_describe(graph, cycle) for cycle in _cycles(graph)]
    assert found == [], "import cycles (also through imports inside functions):\n" + "\n".join(
        found
    )


MAX_LINES = 400


def _subpackages() -> dict[str, Path]:
    """flows.core, bot.web, ...: every package one level below a floor."""
    return {
        f"{floor}.{init.parent.name}": init
        for floor in ("flows", "bot")
        for init in sorted((ROOT / floor).glob("*/__init__.py"))
    }


def _declared(init: Path) -> set[str]:
    """What the package's docstring says it may import ("May import: a, b, c.")."""
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    line = next((x for x in doc.split("\n\n") if x.startswith("May import:")), "")
    line = re.sub(r"\([^)]*\)", "", line)  # "(callback data)": a note on why, not a name
    return {part.strip(" .\n") for part in line.removeprefix("May import:").split(",") if part}


def _home(module: str, packages: dict[str, Path]) -> str:
    """The subpackage a module lives in, or the module itself for a floor's top files."""
    parts = module.split(".")
    if parts[0] == "storage":
        return "storage"
    two = ".".join(parts[:2])
    return two if two in packages else module


def test_every_package_says_what_it_owns_and_may_import():
    for name, init in _subpackages().items():
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert len(doc.split("\n\n")[0]) > 40, f"{name}: say what the package owns"
        assert _declared(init), f"{name}: say what it may import ('May import: ...')"


def test_packages_import_only_what_their_docstring_allows():
    packages = _subpackages()
    graph = _graph()
    wrong = []
    for name, init in packages.items():
        allowed = _declared(init)
        floor = name.split(".")[0]
        for module, targets in graph.items():
            if _home(module, packages) != name:
                continue
            for target, line in targets.items():
                home = _home(target, packages)
                if home == name:
                    continue
                # "flows" allows every flows package; "any flows package" likewise.
                if home in allowed or any(
                    home.startswith(a.split()[-1] + ".")
                    or (a.startswith("any ") and home.startswith(a.split()[1] + "."))
                    for a in allowed
                ):
                    continue
                if floor == "flows" and home.startswith("bot"):
                    continue  # the floor test reports this one
                wrong.append(f"{module} (line {line}) imports {target}, not in {name}'s list")
    assert not wrong, "\n".join(wrong)


def test_no_source_file_is_over_the_line_limit():
    long = []
    for path in _sources().values():
        relative = path.relative_to(ROOT).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            long.append(f"{relative}: {lines} lines")
    assert not long, "split these by what they do:\n" + "\n".join(long)
