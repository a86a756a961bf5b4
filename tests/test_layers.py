"""SQL lives in store/: no module outside it imports SQLAlchemy, opens the engine or runs SQL.

The import contracts (``lint-imports``, run by ``make lint``) keep cli/, web/ and report/
from importing the store. This test covers what they cannot see: a workflow or the Workspace
that builds SQL itself (``select(...)`` on a table, ``text("SELECT ...")``) or opens
connections (``ws.engine.connect()``) instead of calling a store function. It also checks
that events are written through one function,
:func:`hotspotwatch.store.event_writes.write_events`.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "hotspotwatch"

# The Workspace owns the engine's lifecycle (create, open, close) and the lead's run
# methods keep their transactions; everything else in workspace.py calls store functions.
WORKSPACE_ENGINE_USE = {
    "__init__",
    "create",
    "open",
    "close",
    "__repr__",
    "save_run",
    "find_run",
    "get_run",
    "run_infos",
}

# cli/, web/ and report/ do not even hold the engine: they call workflows and the Workspace.
INTERFACES = ("cli/", "web/", "report/")

SQL_WORDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "PRAGMA", "CREATE", "DROP", "ALTER", "WITH")
EVENT_WRITERS = {"store/event_writes.py", "store/events.py"}


def _modules() -> list[tuple[str, ast.Module]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("store/"):
            continue
        out.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
    return out


def _enclosing_functions(tree: ast.Module) -> dict[int, str]:
    """Line number -> name of the innermost function defining it."""
    where: dict[int, str] = {}
    for node in ast.walk(tree):  # breadth first: inner functions overwrite outer ones
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                where[line] = node.name
    return where


def sql_offenders(rel: str, tree: ast.Module) -> list[str]:
    """``"file:line: what"`` for every SQL or engine use in one module outside store/."""
    found: list[str] = []
    functions = _enclosing_functions(tree) if rel == "workspace.py" else {}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            module = (node.module or "") if isinstance(node, ast.ImportFrom) else ""
            # The Workspace holds the Engine (its type) for the engine's lifecycle.
            lifecycle = rel == "workspace.py" and module == "sqlalchemy"
            for name in [module, *names]:
                if (name == "sqlalchemy" or name.startswith("sqlalchemy.")) and not lifecycle:
                    found.append(f"{rel}:{line}: imports {name}")
                if name == "hotspotwatch.store.schema" or (
                    module == "hotspotwatch.store" and "schema" in [a.name for a in node.names]
                ):
                    found.append(f"{rel}:{line}: imports the store's tables")
        elif (
            isinstance(node, ast.Attribute) and node.attr == "engine" and rel.startswith(INTERFACES)
        ):
            found.append(f"{rel}:{line}: reaches the engine (interfaces call workflows)")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            if node.value.attr == "engine":
                if rel == "workspace.py" and functions.get(line) in WORKSPACE_ENGINE_USE:
                    continue
                found.append(f"{rel}:{line}: uses the engine directly (.engine.{node.attr})")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name == "exec_driver_sql":
                found.append(f"{rel}:{line}: runs SQL (exec_driver_sql)")
            if name == "text" and node.args and isinstance(node.args[0], ast.Constant):
                value = node.args[0].value
                if isinstance(value, str) and value.lstrip().upper().startswith(SQL_WORDS):
                    found.append(f"{rel}:{line}: runs SQL text({value.strip()[:30]!r})")
    return found


def test_sql_offenders_are_found():
    code = (
        "from sqlalchemy import select, text\n"
        "from hotspotwatch.store.schema import events\n"
        "def f(ws):\n"
        "    with ws.engine.connect() as conn:\n"
        "        conn.execute(text('SELECT 1'))\n"
        "def g(values):\n"
        "    return text(values)\n"
    )
    found = sql_offenders("workflows/x.py", ast.parse(code))
    assert sorted(found) == [
        "workflows/x.py:1: imports sqlalchemy",
        "workflows/x.py:2: imports the store's tables",
        "workflows/x.py:4: uses the engine directly (.engine.connect)",
        "workflows/x.py:5: runs SQL text('SELECT 1')",
    ]
    assert sql_offenders("cli/x.py", ast.parse("def f(ws):\n    g(ws.engine)\n")) == [
        "cli/x.py:2: reaches the engine (interfaces call workflows)"
    ]
    lifecycle = "class W:\n    def close(self):\n        self.engine.dispose()\n"
    assert sql_offenders("workspace.py", ast.parse(lifecycle)) == []
    assert sql_offenders("workflows/x.py", ast.parse(lifecycle)) != []


def test_sql_lives_in_store():
    offenders = [f for rel, tree in _modules() for f in sql_offenders(rel, tree)]
    assert not offenders, "SQL or engine use outside store/:\n" + "\n".join(offenders)


def test_one_event_write_path():
    """Only store/event_writes.py calls the events upsert; every other writer calls
    ``write_events`` (or ``import_events``, or ``Workspace.add_events``)."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in EVENT_WRITERS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name | ast.Attribute | ast.alias):
                name = (
                    node.id
                    if isinstance(node, ast.Name)
                    else node.attr
                    if isinstance(node, ast.Attribute)
                    else node.name
                )
                if name in ("upsert_events", "_insert_rows", "_update_rows"):
                    offenders.append(f"{rel}:{getattr(node, 'lineno', 0)}: {name}")
    assert not offenders, "events written outside write_events:\n" + "\n".join(offenders)
