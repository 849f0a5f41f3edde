"""The packages depend on each other in one direction only (design.md "Packages and what flows
between them"): tally/ and ballotcrypto/ are pure and import none of the others; audit/ may use
tally/ to recount and ballotcrypto/ to check encrypted votes, and nothing else; terminals/ (pages'
files and the Python client, which encrypts with ballotcrypto/) never imports the server; the server
uses tally/, audit/, ballotcrypto/ and the pages' files; load/ drives the server from outside. No
cycle."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tally", "ballotcrypto", "audit", "server", "terminals", "load")

ALLOWED = {
    "tally": set(),
    "ballotcrypto": set(),
    "audit": {"tally", "ballotcrypto"},
    "terminals": {"ballotcrypto"},
    "server": {"tally", "audit", "ballotcrypto", "terminals"},
    "load": {"tally", "audit", "ballotcrypto", "server", "terminals"},
}


def imported_packages(path: Path) -> set[str]:
    """Top-level project packages a module imports, anywhere in it (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


@functools.cache  # read once for both tests (~200 modules parsed)
def package_graph() -> dict[str, dict[str, list[str]]]:
    """package -> imported package -> the modules that import it."""
    graph: dict[str, dict[str, list[str]]] = {name: {} for name in PACKAGES}
    for name in PACKAGES:
        for path in sorted((ROOT / name).rglob("*.py")):
            for other in imported_packages(path) - {name}:
                graph[name].setdefault(other, []).append(str(path.relative_to(ROOT)))
    return graph


def test_each_package_imports_only_the_packages_below_it() -> None:
    graph = package_graph()
    wrong = {name: {other: modules for other, modules in edges.items() if other not in ALLOWED[name]}
             for name, edges in graph.items()}
    assert not any(wrong.values()), wrong


def test_the_package_graph_has_no_cycle() -> None:
    graph = {name: set(edges) for name, edges in package_graph().items()}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        assert name not in visiting, f"import cycle: {' -> '.join([*visiting, name])}"
        if name in done:
            return
        visiting.append(name)
        for other in sorted(graph[name]):
            visit(other)
        visiting.pop()
        done.add(name)

    for name in PACKAGES:
        visit(name)


def test_the_checker_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from server.auth import who\n    import audit.merkle\n", encoding="utf-8")
    assert imported_packages(module) == {"server", "audit"}
