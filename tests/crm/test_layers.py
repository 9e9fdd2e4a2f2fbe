"""The import direction is a contract (pyproject.toml, [tool.importlinter]): reports > incentives | complaints >
purchases > company standards > clients > the notifications outbox > the crm core. These tests keep it from
drifting back, function-level imports included."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["crm", "clients", "purchases", "complaints", "incentives"]


def _sources():
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_the_layers_contract_is_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_guarded_import_between_the_projects_own_apps():
    """An upward need is a contribution registered from the higher app's ready(), never a guarded import."""
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            catches_import_error = any(
                handler.type is not None and "ImportError" in ast.unparse(handler.type) for handler in node.handlers
            )
            imports_own = any(
                isinstance(stmt, ast.Import | ast.ImportFrom)
                and any((getattr(stmt, "module", None) or alias.name).split(".")[0] in PACKAGES for alias in stmt.names)
                for stmt in ast.walk(ast.Module(body=node.body, type_ignores=[]))
            )
            if catches_import_error and imports_own:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
