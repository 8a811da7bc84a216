"""The package's import graph reads as the pipeline: no import cycles, and no stage imports a
later one.

The graph is built from the source with `ast`, so it sees every import the code can run,
including those inside functions (deferred to keep start-up fast, but still a dependency).
Imports under `if TYPE_CHECKING:` are left out: they never run, and exist only for annotations.
Two kinds of edge are not drawn, because neither says one stage depends on another:

- the implicit import of a parent package (`a/b/__init__.py` runs before `a.b.c`);
- `importlib.import_module` in the package's lazy `__getattr__` (not an import statement).
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import pytest

import transcript_analyzer

PACKAGE = Path(transcript_analyzer.__file__).resolve().parent
NAME = PACKAGE.name

# The layer that runs a whole job and the command line on top of it: no stage below imports it.
RUN_LAYER = ("scoring", "engine", "batch", "runs", "cli")


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.with_suffix("").relative_to(PACKAGE.parent).parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(node: ast.AST):
    """Every import statement under `node`, except in the body of `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _import_nodes(ast.Module(body=[other], type_ignores=[]))
            continue
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        yield from _import_nodes(child)


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom,
             modules: dict[str, Path]) -> list[str]:
    """The package's modules that an import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    if node.level:
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        parts = package.split(".")[:len(package.split(".")) - node.level + 1]
        base = ".".join(parts + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    found = []
    for alias in node.names:
        if f"{base}.{alias.name}" in modules:
            found.append(f"{base}.{alias.name}")  # `from . import submodule`
        elif base in modules:
            found.append(base)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (see the module docstring for what counts)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _import_nodes(tree):
            graph[name].update(t for t in _targets(name, path, node, modules) if t != name)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or not (Tarjan), largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(groups, key=lambda g: (-len(g), g))


def example_cycle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """One shortest cycle through the group's first module, to show in a failure message."""
    start, members = group[0], set(group)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(graph[v] & members):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if w not in came_from:
                came_from[w] = v
                queue.append(w)
    return group


def _short(module: str) -> str:
    return module.removeprefix(f"{NAME}.") if module != NAME else NAME


def _report(graph: dict[str, set[str]], groups: list[list[str]]) -> str:
    return "\n".join(
        f"  {{{', '.join(map(_short, g))}}}, e.g. "
        + " -> ".join(map(_short, example_cycle(graph, g))) for g in groups)


def _in(module: str, folder: str) -> bool:
    return module == f"{NAME}.{folder}" or module.startswith(f"{NAME}.{folder}.")


def _is_detectors_evaluation(group: list[str]) -> bool:
    return any(_in(m, "detectors") for m in group) and any(_in(m, "evaluation") for m in group)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_graph_sees_the_package(graph):
    """Guards the rules below against passing because the graph came out empty."""
    assert f"{NAME}.cli" in graph and f"{NAME}.privacy" in graph
    assert f"{NAME}.scoring" in graph[f"{NAME}.cli"] or any(
        _in(m, "runs") for m in graph[f"{NAME}.cli"])
    assert f"{NAME}.privacy" in graph[f"{NAME}.batch"]


def test_cycle_finder_finds_a_cycle_and_skips_type_checking(tmp_path):
    made = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(made) == [["a", "b", "c"]]
    assert example_cycle(made, ["a", "b", "c"]) == ["a", "b", "c", "a"]
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import x\n"
                     "else:\n    import y\ndef f():\n    import z\n")
    assert [getattr(n, "module", None) or n.names[0].name for n in _import_nodes(tree)] == [
        "typing", "y", "z"]


def test_no_import_cycles_besides_detectors_evaluation(graph):
    groups = [g for g in strongly_connected(graph) if not _is_detectors_evaluation(g)]
    assert not groups, "modules that import each other:\n" + _report(graph, groups)


def test_no_detectors_evaluation_cycle(graph):
    groups = [g for g in strongly_connected(graph) if _is_detectors_evaluation(g)]
    assert not groups, "modules that import each other:\n" + _report(graph, groups)


def _offending(graph: dict[str, set[str]], folder: str, forbidden: tuple[str, ...]
               ) -> list[str]:
    return sorted(f"{_short(m)} -> {_short(t)}" for m, targets in graph.items()
                  if _in(m, folder) for t in targets if any(_in(t, f) for f in forbidden))


def test_detectors_do_not_import_the_run_layer(graph):
    assert not _offending(graph, "detectors", RUN_LAYER)


def test_detectors_do_not_import_evaluation(graph):
    assert not _offending(graph, "detectors", ("evaluation",))


def test_readers_do_not_import_later_stages(graph):
    assert not _offending(graph, "readers", ("detectors", "classifier", *RUN_LAYER))
