"""Every save of an existing row in the incentives services names its fields (checked from the source)."""

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "incentives" / "services.py"


def test_every_save_in_the_services_names_its_fields():
    bare = [
        node.lineno
        for node in ast.walk(ast.parse(SERVICES.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "save"
        and not {kw.arg for kw in node.keywords} & {"update_fields", "force_insert"}
    ]
    assert bare == [], f"save() without update_fields (or force_insert for a new row) at lines {bare}"
