"""The shape of the complaints services, checked from the source: the package's submodules import each
other one way and never the package __init__ (which only re-exports), and every save of an existing row in
the services names its fields."""

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "complaints" / "services"
SERVICE_MODULES = [
    *sorted(PACKAGE.glob("*.py")),
    ROOT / "complaints" / "standards.py",
    ROOT / "crm" / "standards" / "services.py",
]


def _package_imports(path: Path) -> set[str]:
    """Names of the package's modules that `path` imports; "__init__" for the package itself."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                targets = [node.module] if node.module else [alias.name for alias in node.names]
            elif node.level == 0 and (node.module or "").startswith("complaints.services"):
                rest = node.module.removeprefix("complaints.services").lstrip(".")
                targets = [rest] if rest else [alias.name for alias in node.names]
            else:
                continue
            for name in targets:
                found.add(name.split(".")[0] if (PACKAGE / f"{name.split('.')[0]}.py").exists() else "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "complaints.services":
                    found.add("__init__")
                elif alias.name.startswith("complaints.services."):
                    found.add(alias.name.split(".")[2])
    return found


def test_services_submodules_never_import_the_package_and_import_each_other_acyclically():
    graph = {}
    for path in PACKAGE.glob("*.py"):
        if path.stem == "__init__":
            continue
        imports = _package_imports(path)
        assert "__init__" not in imports, f"{path.name} imports the package __init__"
        graph[path.stem] = imports
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # pragma: no cover - the message is the point
        pytest.fail(f"import cycle inside complaints.services: {exc.args[1]}")


@pytest.mark.parametrize("path", SERVICE_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_save_in_the_services_names_its_fields(path):
    bare = [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "save"
        and not {kw.arg for kw in node.keywords} & {"update_fields", "force_insert"}
    ]
    assert bare == [], f"{path.name}: save() without update_fields (or force_insert for a new row) at lines {bare}"
