"""The ledger knows nothing of the workflow (docs/architecture.md, "The ledger and projects"):
no module of ``ledger/`` imports ``projects`` — at the top, inside a function, or by name through
``import_module``/``import_string``. The projects' states are the workflow's; what a project holds
of the fund is the ledger's own commitments. import-linter states the same as a contract; this test
holds it without the tool, over every module, migrations included."""

from __future__ import annotations

import ast
from pathlib import Path

import ledger

LEDGER = Path(ledger.__file__).resolve().parent
FORBIDDEN = "projects"
DYNAMIC = {"import_module", "import_string", "__import__"}


def _forbidden(name: str | None) -> bool:
    return bool(name) and (name == FORBIDDEN or name.startswith(FORBIDDEN + "."))


def imports_of_projects(source: str, filename: str = "<module>") -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if _forbidden(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _forbidden(node.module):
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            arg = node.args[0] if node.args else None
            if (
                name in DYNAMIC
                and isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
                and _forbidden(arg.value)
            ):
                found.append((node.lineno, arg.value))
    return found


def test_no_ledger_module_imports_projects():
    modules = sorted(LEDGER.rglob("*.py"))
    assert len(modules) > 10  # the walk sees the package, not an empty folder
    offenders = {
        str(path.relative_to(LEDGER.parent)): found
        for path in modules
        if (found := imports_of_projects(path.read_text(encoding="utf-8"), str(path)))
    }
    assert offenders == {}


def test_the_guard_sees_every_way_of_importing():
    source = """
import projects
import projects.models as m
from projects.models import Project
from projects import process


def later():
    from projects.selectors import small_group_usage
    importlib.import_module("projects.models")
    import_string("projects.services.payment_repost")


from fundadmin.models import FundYear
from .models import JournalEntry
from . import projects_table  # a local module whose name merely starts the same way
"""
    assert [name for _, name in imports_of_projects(source)] == [
        "projects",
        "projects.models",
        "projects.models",
        "projects",
        "projects.selectors",
        "projects.models",
        "projects.services.payment_repost",
    ]
