"""The command line starts lazily: ``--help``, completion and ``CMD --help`` load no heavy library.

No wall-clock time is asserted (bench/startup.py measures it); these tests check what gets
imported, in a fresh interpreter, which is what makes the start slow or fast.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

import hotspotwatch.cli
from hotspotwatch.cli.main import COMMANDS, app, load_command

SRC = Path(hotspotwatch.cli.__file__).resolve().parents[2]

# Libraries a command may use, but never at module top of hotspotwatch/__init__ or cli/*.
HEAVY = (
    "pandas",
    "geopandas",
    "sqlalchemy",
    "alembic",
    "numpy",
    "scipy",
    "matplotlib",
    "shapely",
    "pyproj",
    "statsmodels",
    "rasterio",
    "weasyprint",
    "pyarrow",
    "fastapi",
    "uvicorn",
    "jinja2",
    "babel",
    "hotspotwatch.workspace",
    "hotspotwatch.store",
    "hotspotwatch.workflows",
    "hotspotwatch.analysis",
)

_PROBE = """
import contextlib, io, json, sys
sys.argv = ["hotspotwatch", *json.loads(sys.argv[1])]
from hotspotwatch.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
print(json.dumps({
    "code": code,
    "out": out.getvalue(),
    "loaded": sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in HEAVY)),
    "cli": sorted(m for m in sys.modules if m.startswith("hotspotwatch.cli.")),
}))
"""


def _probe(args: list[str], env: dict[str, str] | None = None) -> dict[str, object]:
    """Run the entry point with ``args`` in a fresh interpreter; what it printed and imported."""
    code = f"HEAVY = {HEAVY!r}\n" + _PROBE
    full_env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "120", **(env or {})}
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_root_help_imports_no_heavy_library_and_no_command_module() -> None:
    res = _probe(["--help"])
    assert res["code"] == 0
    assert res["loaded"] == [], f"`hotspotwatch --help` imported {res['loaded']}"
    assert res["cli"] == ["hotspotwatch.cli.main"]
    for name, (_, line) in COMMANDS.items():
        assert name in str(res["out"]) and line[:40] in str(res["out"])


def test_shell_completion_of_the_first_word_imports_nothing_heavy() -> None:
    res = _probe(
        [],
        env={
            "_HOTSPOTWATCH_COMPLETE": "complete_bash",
            "COMP_WORDS": "hotspotwatch ",
            "COMP_CWORD": "1",
        },
    )
    assert res["loaded"] == [] and res["cli"] == ["hotspotwatch.cli.main"]
    assert str(res["out"]).split() == list(COMMANDS)


def test_zsh_completion_shows_each_commands_line_without_loading_it() -> None:
    res = _probe(
        [],
        env={"_HOTSPOTWATCH_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "hotspotwatch ev"},
    )
    assert res["loaded"] == [] and res["cli"] == ["hotspotwatch.cli.main"]
    assert '"evaluate":"Evaluate the hotspots and the strategy' in str(res["out"])


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_help_imports_no_heavy_library(name: str) -> None:
    res = _probe([name, "--help"])
    assert res["code"] == 0, res["out"]
    assert res["loaded"] == [], (
        f"`hotspotwatch {name} --help` imported {res['loaded']}: move that import inside the "
        f"function that needs it (hotspotwatch.cli.{COMMANDS[name][0]})"
    )
    assert "Usage: hotspotwatch " + name in str(res["out"])


def test_the_lazy_listing_is_what_the_loaded_commands_say() -> None:
    """The table's line is each command's own first help paragraph, as click shortens it."""
    for name, (module, line) in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        assert command.get_short_help_str(limit=10_000) == line, (
            f"COMMANDS[{name!r}] in cli/main.py says {line!r}; hotspotwatch.cli.{module} says "
            f"{command.get_short_help_str(limit=10_000)!r}: copy its first help paragraph"
        )
        assert not command.hidden and not command.deprecated
        assert not getattr(command, "rich_help_panel", None)  # unset: the default panel


def test_every_cli_module_is_reachable_from_the_table() -> None:
    """A new cli module, or a new root command in a ``register`` module, needs its COMMANDS row."""
    for info in pkgutil.iter_modules(hotspotwatch.cli.__path__):
        if info.name.startswith("_") or info.name == "main":
            continue
        module = __import__(f"hotspotwatch.cli.{info.name}", fromlist=["_"])
        mapped = {n for n, (m, _) in COMMANDS.items() if m == info.name}
        for attribute in {
            m.partition(":")[2] for m, _ in COMMANDS.values() if m.startswith(info.name + ":")
        }:
            assert isinstance(getattr(module, attribute, None), typer.Typer), (info.name, attribute)
        if hasattr(module, "register"):
            holder = typer.Typer()
            module.register(holder)
            defined = set(typer.main.get_group(holder).commands)
            assert defined == mapped, (
                f"cli/{info.name}.py defines {defined}, COMMANDS maps {mapped}"
            )
        elif isinstance(getattr(module, "app", None), typer.Typer):
            assert len(mapped) == 1, f"cli/{info.name}.py (a group) needs one COMMANDS row"
        else:  # a helper module (e.g. one sub-command kept apart): the table must not name it
            assert not mapped, f"cli/{info.name}.py has neither app nor register()"


def test_a_typo_is_suggested_among_commands_not_yet_loaded() -> None:
    from typer.testing import CliRunner

    res = CliRunner().invoke(app, ["evaluat"])
    assert res.exit_code == 2
    assert "Did you mean 'evaluate'?" in res.output


# The fixed path of a command (issue 14): open the workspace, read its config, open and check
# the store, count. It loads SQLAlchemy, never the data libraries.
DATA_LIBRARIES = ("pandas", "geopandas", "shapely", "matplotlib", "scipy", "pyproj", "pyarrow")


@pytest.fixture(scope="module")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with events, a zone layer, a one-polygon study area and hotspots."""
    import datetime as dt

    from hotspotwatch.testing import make_city

    path = tmp_path_factory.mktemp("lazy") / "city"
    ws = make_city(path, scale=0.2, start=dt.date(2023, 1, 1))  # EPSG:32631
    assert ws.count_events() > 0 and ws.hotspot_names() and "region" in ws.area_layers()
    ws.close()
    return path


def _loaded_after(code: str, watch: tuple[str, ...]) -> list[str]:
    """Top-level packages of ``watch`` in ``sys.modules`` after ``code``, in a fresh process."""
    probe = (
        code
        + "\nimport json, sys\n"
        + f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({watch!r}))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "120"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_opening_a_workspace_and_counting_loads_no_data_library(small_city: Path) -> None:
    code = (
        "from hotspotwatch import Workspace\n"
        f"ws = Workspace.open({str(small_city)!r})\n"
        "assert ws.count_events() > 0 and ws.event_stats() and ws.hotspot_names()\n"
        "assert ws.area_counts()['region'] == 1 and ws.run_count() == 0\n"
        "assert ws.study_area_m2() > 0 and ws.data_fingerprint() and ws.extent()\n"
        "ws.close()\n"
    )
    assert _loaded_after(code, (*DATA_LIBRARIES, "numpy")) == []


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_info_loads_no_data_library(small_city: Path, extra: list[str]) -> None:
    """``info`` counts in SQL and measures the study area from its WKB; with ``--json`` the
    printer's ``to_jsonable`` may load numpy, nothing more."""
    code = (
        "import contextlib, io, sys\n"
        f"sys.argv = ['hotspotwatch', 'info', '-w', {str(small_city)!r}, *{extra!r}]\n"
        "from hotspotwatch.cli.main import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, exc.code\n"
        "assert 'Hotspot 1' in out.getvalue() and '16' in out.getvalue(), out.getvalue()\n"
    )
    watch = DATA_LIBRARIES if extra else (*DATA_LIBRARIES, "numpy")
    assert _loaded_after(code, watch) == [], f"`hotspotwatch info {' '.join(extra)}`"


def test_info_numbers_equal_the_frame_reads(small_city: Path) -> None:
    """The counts ``info`` reads equal what the GeoDataFrame methods give (shapely's area)."""
    from hotspotwatch import Workspace

    with Workspace.open(small_city) as ws:
        assert ws.hotspot_names() == ws.hotspots()["name"].tolist()
        assert ws.area_counts() == {layer: len(ws.areas(layer)) for layer in ws.area_layers()}
        assert ws.study_area_m2() == pytest.approx(ws.study_area().area, rel=1e-12)


def test_the_cli_framework_validates_options_without_pydantic(small_city: Path) -> None:
    """typer 0.29 builds a pydantic TypeAdapter for every option: 0.14 s to import pydantic and
    0.02 s per option, +0.16 s on ``info`` and +0.1 s on ``import events`` (bench/startup.py
    ``--baseline-site``). pyproject.toml keeps typer below 0.29; this fails if it is lifted."""
    code = (
        "import contextlib, io, sys\n"
        f"sys.argv = ['hotspotwatch', 'info', '-w', {str(small_city)!r}, '--json']\n"
        "from hotspotwatch.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, exc.code\n"
    )
    assert _loaded_after(code, ("pydantic", "pydantic_core")) == [], (
        "`hotspotwatch info` imported pydantic: is typer >= 0.29 installed? (pyproject: <0.29)"
    )
