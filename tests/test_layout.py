"""The package layout shows the architecture (issue 26): subsystems as packages, each
with a face that says what it does and what it may import, and imports that run one
way only (the README's "How it paints"):

    front ends (cli, studio, batch, the package's face)
      -> engine, trace -> style, materials, export -> render -> primitives
      -> image, defaults

A module may import its own package, any package on a lower floor, and a package on
its own floor that does not import it back (no cycles). Every import counts, those
inside functions too: a lazy import is still a dependency.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "painter"
#: each part of painter (a package or a top-level module) and its floor: higher
#: floors may import lower ones, never the other way
FLOORS = {
    "_lazy": 0, "defaults": 0, "image": 0,
    "primitives": 1,
    "render": 2,
    "style": 3, "materials": 3, "export": 3,
    "engine": 4, "trace": 4,
    "cli": 5, "__main__": 5, "__init__": 5, "studio": 5, "batch": 5,
}
#: what ``ls painter/`` may show beside __init__.py, __main__.py and cli.py
MOST_ENTRIES = 12


def part_of(module: str) -> str:
    """The part of painter that ``painter.X.Y`` belongs to: ``X`` (``__init__`` for
    the package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def modules() -> dict[str, Path]:
    """Every module of painter by its dotted name."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(rel[:-1] if rel[-1] == "__init__" else rel)
        out[name] = path
    return out


def imports(name: str, path: Path) -> set[str]:
    """The painter modules (or packages) that module ``name`` imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "painter"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "painter":
                continue
            names = {f"{target}.{a.name}" for a in node.names} & set(modules())  # from . import x: x a module
            found |= names or {target}
    return found


def part_graph() -> dict[str, set[str]]:
    """part -> the other parts it imports."""
    graph: dict[str, set[str]] = {}
    for name, path in modules().items():
        mine = part_of(name)
        for target in imports(name, path):
            other = part_of(target)
            if other != mine:
                graph.setdefault(mine, set()).add(other)
    return graph


def backwards(graph: dict[str, set[str]]) -> list[str]:
    """The imports that run against the floors, or around a cycle, as lines to read."""
    wrong = [f"{part} (floor {FLOORS[part]}) imports {other} (floor {FLOORS[other]})"
             for part, targets in sorted(graph.items()) for other in sorted(targets) if FLOORS[other] > FLOORS[part]]
    level = {part: {o for o in targets if FLOORS[o] == FLOORS[part]} for part, targets in graph.items()}
    cycle = find_cycle(level)
    if cycle:
        wrong.append("a cycle: " + " -> ".join(cycle))
    return wrong


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """A cycle in ``graph`` (part -> parts it imports) as its parts, the first one
    again at the end; [] when there is none (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_every_part_has_a_floor():
    parts = {part_of(n) for n in modules()}
    assert parts <= set(FLOORS), sorted(parts - set(FLOORS))


def test_imports_run_one_way():
    assert backwards(part_graph()) == []


def test_the_check_catches_a_backwards_import():
    """The test above would fail on a backwards import and on a cycle."""
    graph = part_graph()
    assert backwards({**graph, "image": {"engine"}}) == ["image (floor 0) imports engine (floor 4)"]
    cycle = {**graph, "materials": graph.get("materials", set()) | {"style"}}
    assert "a cycle: materials -> style -> materials" in backwards(cycle)
    longer = {"style": {"materials"}, "materials": {"export"}, "export": {"style"}}  # three parts of one floor
    assert backwards(longer) == ["a cycle: export -> style -> materials -> export"]


@pytest.mark.parametrize("package", ["engine", "export", "image", "materials", "primitives", "render", "style",
                                     "studio", "batch"])
def test_each_package_has_a_face(package):
    """Its ``__init__`` docstring says what it does and what it may import."""
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8"))) or ""
    assert len(doc) > 150 and "May import" in doc, package


def test_the_listing_is_short():
    entries = [p.name for p in PACKAGE.iterdir() if p.name not in ("__init__.py", "__main__.py", "cli.py",
                                                                    "__pycache__")]
    assert len(entries) <= MOST_ENTRIES, sorted(entries)


def test_old_module_paths_still_work_with_a_warning():
    """For one release: ``painter.strokes`` is ``painter.primitives.strokes``, and so on."""
    import importlib
    import warnings

    import painter

    for old, new in painter.MOVED.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = importlib.import_module(f"painter.{old}")
        assert module is importlib.import_module(f"painter.{new}"), old
        assert module.__spec__.name == f"painter.{new}"
        assert any(issubclass(w.category, DeprecationWarning) and f"painter.{new}" in str(w.message)
                   for w in caught) or old in ("paint", "trace"), old
    assert callable(painter.paint) and not isinstance(painter.paint, type(painter))  # still the function
