"""The layout docs/architecture.md describes: which way imports point between the apps.

Read from the source (every import statement, at module level or inside a function), so an import
moved into a function to dodge a cycle is still seen.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "accounts",
    "api",
    "dashboard",
    "demo",
    "devices",
    "notifications",
    "sla",
    "stock",
    "technicians",
    "tickets",
    "warranty",
    "webhooks",
]
PROJECT = ["possystem", *APPS]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] in PROJECT}


def project_modules() -> dict[str, set[str]]:
    graph = {}
    for package in PROJECT:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                graph[module_name(path)] = imports_of(path)
    # An import of a name inside a module ("from tickets import services") points at the module.
    return {module: {name for name in imported if name in graph} for module, imported in graph.items()}


def app_of(module: str) -> str:
    return module.split(".")[0]


def test_the_settings_package_imports_no_domain_app():
    graph = project_modules()
    reaching = {
        (module, imported)
        for module, imports in graph.items()
        if app_of(module) == "possystem"
        for imported in imports
        if app_of(imported) != "possystem"
    }
    assert reaching == set()


def test_the_sla_engine_does_not_call_back_into_ticket_transitions():
    graph = project_modules()
    assert {m for m, imports in graph.items() if app_of(m) == "sla" and "tickets.services" in imports} == set()


def test_no_import_cycle_crosses_an_app_boundary():
    graph = project_modules()
    crossing = [component for component in strongly_connected(graph) if len({app_of(m) for m in component}) > 1]
    assert crossing == []


def test_the_readme_layout_names_every_app_and_nothing_else():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z_]+)/`", layout, flags=re.MULTILINE))
    apps_on_disk = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps_on_disk == set(APPS)
    assert apps_on_disk <= listed
    assert all((ROOT / name).is_dir() for name in listed)


def test_every_app_with_tests_keeps_them_under_its_own_folder():
    folders = {path.name for path in (ROOT / "tests").iterdir() if path.is_dir() and path.name != "__pycache__"}
    assert folders - {"browser"} <= set(APPS)
    for folder in folders:
        assert list((ROOT / "tests" / folder).glob("test_*.py")), f"tests/{folder}/ holds no tests"


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm: the components of the graph with more than one module in them."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []
    counter = 0

    def visit(node):
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components
