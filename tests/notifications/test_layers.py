"""Doors open one way (STYLE.md): notifications reads the domain apps, none of them imports it;
exports renders for the apps through a registry and imports none of them."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["fundadmin", "audit", "projects", "ledger", "publicity", "supervision"]


def imported(package: str) -> dict[Path, set[str]]:
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[path] = names
    return found


def test_no_domain_app_imports_notifications():
    for app in APPS:
        for path, names in imported(app).items():
            assert "notifications" not in names, path


def test_exports_imports_no_app_but_the_core():
    for path, names in imported("exports").items():
        assert not names & (set(APPS) - {"fundadmin"} | {"notifications"}), path
