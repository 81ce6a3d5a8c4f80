"""The package's folders are the pipeline's stages: every module imports only its own floor or
floors below it, and no two modules import each other, even inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

from ptdv.base import paths

PKG = paths.PACKAGE_ROOT / "lib" / "ptdv"
#: The floors, bottom first: a module may import its own floor and those below.
FLOORS = ["base", "plan", "tables", "progress", "report", "share", "pipeline", "cli"]


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def floor(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:  # the package itself: its version
        return 0
    return FLOORS.index(parts[1])


def imports(path: Path) -> set[str]:
    """Return the ptdv modules a file imports, wherever in the file."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ptdv"):
            assert node.level == 0, f"{path}: relative import"
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                known = (PKG.parent / full.replace(".", "/")).with_suffix(".py").is_file()
                out.add(full if known else node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("ptdv")}
    return out


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in sorted(PKG.rglob("*.py"))}


def test_every_module_is_on_a_floor() -> None:
    loose = [m for m in graph() if m.count(".") == 1 and m.split(".")[1] not in FLOORS]
    assert loose == []


def test_imports_only_go_down() -> None:
    up = [
        f"{m} (floor {FLOORS[floor(m)]}) imports {d} (floor {FLOORS[floor(d)]})"
        for m, deps in graph().items()
        for d in deps
        if floor(d) > floor(m)
    ]
    assert up == []


def test_no_import_cycle() -> None:
    g = graph()
    cycles = []

    def visit(node: str, stack: list[str], done: set[str]) -> None:
        for d in sorted(g.get(node, ())):
            if d == node or d not in g:
                continue
            if d in stack:
                cycles.append(" -> ".join([*stack[stack.index(d) :], d]))
            elif d not in done:
                visit(d, [*stack, d], done)
        done.add(node)

    done: set[str] = set()
    for m in g:
        if m not in done:
            visit(m, [m], done)
    assert cycles == []
