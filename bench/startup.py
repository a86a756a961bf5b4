"""Start-up and fixed cost of the command line: ``--help``, completion, ``CMD --help``, ``info``.

Run: ``.venv/bin/python bench/startup.py [--runs 15] [--baseline REF] [--workspace DIR]``;
writes ``bench/results/startup.json``. ``--workspace`` also times ``info`` on that (loaded)
workspace, e.g. a copy of the Brussels demo (``info`` only reads; a store not at the newest
migration would be upgraded, so pass a copy).

Each command runs ``--runs`` times as a fresh process, with bytecode caching on (an
untimed first run writes ``__pycache__``; ``PYTHONDONTWRITEBYTECODE`` is removed) (the console script's own code, with this
checkout's ``src`` first on ``PYTHONPATH``); the median wall time and the median CPU time
(user + system of the child, which other jobs on a shared machine disturb less) are recorded.
With ``--baseline`` the two trees alternate run by run, so both see the same load.
Peers measured in the same run:

- ``python -c pass``: the interpreter alone, the floor of any command;
- ``python -c "import typer"``: the CLI framework alone;
- the library floors: a Typer app of two commands printing its ``--help`` (the floor of
  every ``--help``), ``python -c "import typer, sqlalchemy"`` (what any command that opens
  the store must load: the floor of ``info``) and ``python -c "import typer, sqlalchemy,
  pandas, pyarrow.csv, pyproj"`` (what an event import must load: the floor of ``import
  events``); ``summary[case].over_floor_s`` is the command's own cost above its floor;
- ``python -c "sum(range(10**7))"``, a CPU-speed reference, so that runs on different machines
  can be compared (the absolute targets are seconds on whatever machine runs the bench);
- with ``--baseline REF`` (e.g. the commit before the lazy start), the same commands with that
  commit's ``src`` (extracted with ``git archive``), so before/after ratios share one run;
- with ``--baseline-site DIR``, the baseline (this checkout's ``src`` when ``--baseline`` is not
  given) runs with ``DIR`` first on its ``PYTHONPATH``: the same code with another version of
  a dependency, e.g. ``pip install --no-deps --target DIR typer==0.29.2``.

Targets (issue 14 item 11): ``--help``, completion and each ``CMD --help`` < 0.3 s; the fixed
cost of a command (start, config, store open, migration check) < 0.5 s, measured as ``info`` on
a small workspace (and on ``--workspace``) and ``import events`` of a one-row file into it.
``summary[case].meets_target`` compares the median wall time with the case's target.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRIPT = "import sys; from hotspotwatch.cli.main import main; sys.argv[0] = 'hotspotwatch'; main()"
ONE_ROW = "id,occurred_at,x,y,category\nPV1,2024-03-01T10:00:00Z,149000,170000,theft\n"
MAPPING = """source = "bench-one"
crs = "EPSG:3812"

[columns]
id = "id"
time = "occurred_at"
x = "x"
y = "y"
category = "category"
"""


class CommandFailed(RuntimeError):
    """A timed command exited non-zero (e.g. a command the baseline does not have)."""


def _once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise CommandFailed(f"{argv} failed ({done.returncode}): {done.stderr.decode()[-300:]}")
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _summary(samples: list[tuple[float, float]]) -> dict[str, float]:
    return {
        "wall_s": round(statistics.median(w for w, _ in samples), 4),
        "cpu_s": round(statistics.median(c for _, c in samples), 4),
        "wall_min_s": round(min(w for w, _ in samples), 4),
    }


def _time(argv: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    """Median wall and CPU seconds of ``argv`` over ``runs`` fresh processes."""
    return _summary([_once(argv, env) for _ in range(runs)])


def _src_of(ref: str, into: Path) -> Path:
    """Extract ``src/`` of git ``ref`` into ``into`` (for a same-run baseline)."""
    blob = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "src"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


TYPER_APP = (
    "import sys, typer\n"
    "app = typer.Typer(rich_markup_mode='rich')\n"
    "@app.command()\n"
    "def info(workspace: str = '.') -> None:\n"
    "    '''Show the workspace.'''\n"
    "@app.command()\n"
    "def other() -> None:\n"
    "    '''Another.'''\n"
    "sys.argv = ['x', '--help']\n"
    "app()\n"
)
FLOORS = {
    "a two-command Typer app's --help": TYPER_APP,
    "python -c 'import typer, sqlalchemy'": "import typer, sqlalchemy",
    "python -c 'import typer, sqlalchemy, pandas, pyarrow.csv, pyproj'": (
        "import typer, sqlalchemy, pandas, pyarrow.csv, pyproj"
    ),
}
"""The libraries a command cannot do without, imported alone: the floor of its fixed cost."""
CPU_REFERENCE = "python -c 'sum(range(10**7))'"


def _floor(case: str) -> str | None:
    """The :data:`FLOORS` peer of a case that opens the store, or ``None``."""
    if case.endswith("--help"):
        return "a two-command Typer app's --help"
    if case.startswith("info"):
        return "python -c 'import typer, sqlalchemy'"
    if case.startswith("import events"):
        return "python -c 'import typer, sqlalchemy, pandas, pyarrow.csv, pyproj'"
    return None


def _versions(env: dict[str, str], pythonpath: str) -> dict[str, str]:
    """Versions of the libraries of the floors, as a tree's processes import them."""
    code = (
        "import importlib.metadata as m, json; print(json.dumps({p: m.version(p) for p in "
        "('typer', 'sqlalchemy', 'pandas', 'pyarrow', 'pyproj', 'rich')}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env={**env, "PYTHONPATH": pythonpath},
        capture_output=True, text=True, check=True,
    )
    versions: dict[str, str] = json.loads(done.stdout)
    return versions


def _target(case: str) -> float | None:
    """The case's target in seconds (issue 14 item 11), or ``None``."""
    if case == "--version":
        return None
    if case.endswith("--help") or case.startswith("complete"):
        return 0.3  # --help, completion and CMD --help
    return 0.5  # the fixed cost of a command: info, a one-row import


def _cases(
    ws: Path, one_row: Path, mapping: Path, loaded: Path | None = None
) -> dict[str, list[str]]:
    from hotspotwatch.cli.main import COMMANDS

    cases: dict[str, list[str]] = {
        "--help": ["--help"],
        "--version": ["--version"],
        "complete first word (bash)": [],
    }
    for name in COMMANDS:
        cases[f"{name} --help"] = [name, "--help"]
    cases["info (small workspace)"] = ["info", "-w", str(ws)]
    if loaded is not None:
        cases["info (--workspace)"] = ["info", "-w", str(loaded)]
    cases["import events (1 row)"] = [
        "import",
        "events",
        str(one_row),
        "--mapping",
        str(mapping),
        "-w",
        str(ws),
    ]
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", help="git ref to measure beside this checkout")
    parser.add_argument(
        "--baseline-site",
        type=Path,
        help="put DIR first on the baseline's PYTHONPATH (another version of a dependency)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results" / "startup.json")
    parser.add_argument(
        "--workspace", type=Path, help="also time `info` on this workspace (pass a copy)"
    )
    parser.add_argument(
        "--case",
        action="append",
        help="time only this case (exact name, repeatable; write --case=--help for the root help)",
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    with tempfile.TemporaryDirectory(prefix="hw-startup-") as d:
        tmp = Path(d)
        ws, one_row, mapping = tmp / "ws", tmp / "one.csv", tmp / "one.toml"
        one_row.write_text(ONE_ROW, encoding="utf-8")
        mapping.write_text(MAPPING, encoding="utf-8")
        # A user's Python caches bytecode; a shell with PYTHONDONTWRITEBYTECODE (as some
        # sandboxes set) would compile every module of ``src`` again in each timed process.
        base_env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("_HOTSPOTWATCH") and k != "PYTHONDONTWRITEBYTECODE"
        }
        base_env["COLUMNS"] = "100"
        trees = {"current": ROOT / "src"}
        if args.baseline:
            trees["baseline"] = _src_of(args.baseline, tmp / "baseline")
        elif args.baseline_site:
            trees["baseline"] = ROOT / "src"
        paths = {name: str(src) for name, src in trees.items()}
        if args.baseline_site:
            paths["baseline"] = os.pathsep.join([str(args.baseline_site), paths["baseline"]])
        # One workspace per tree, made and migrated by that tree's own code (an older tree
        # cannot open a store migrated by a newer one).
        workspaces = {name: tmp / f"ws-{name}" for name in trees}
        for tree_name in trees:
            env0 = {**base_env, "PYTHONPATH": paths[tree_name]}
            ws = workspaces[tree_name]
            subprocess.run(
                [sys.executable, "-c", SCRIPT, "init", str(ws)],
                env=env0,
                check=True,
                capture_output=True,
            )
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    SCRIPT,
                    *_cases(ws, one_row, mapping)["import events (1 row)"],
                ],
                env=env0,
                check=True,
                capture_output=True,
            )
        load_before = os.getloadavg()
        peers = {
            "python -c pass": _time([sys.executable, "-c", "pass"], base_env, args.runs),
            "python -c 'import typer'": _time(
                [sys.executable, "-c", "import typer"], base_env, args.runs
            ),
            **{
                name: _time([sys.executable, "-c", code], base_env, args.runs)
                for name, code in FLOORS.items()
            },
            CPU_REFERENCE: _time([sys.executable, "-c", "sum(range(10**7))"], base_env, args.runs),
        }
        results: dict[str, dict[str, dict[str, float]]] = {name: {} for name in trees}
        cases = {
            name: _cases(workspaces[name], one_row, mapping, args.workspace) for name in trees
        }
        for case in cases["current"]:
            if args.case and case not in args.case:
                continue
            # The trees alternate run by run, so that both see the same load.
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
            missing = {name for name in trees if case not in cases[name]}
            for run in range(args.runs + 1):  # run 0 is untimed: it writes the bytecode
                for tree_name in trees:
                    if tree_name in missing:
                        continue
                    env = {**base_env, "PYTHONPATH": paths[tree_name]}
                    if case.startswith("complete"):
                        env.update(
                            _HOTSPOTWATCH_COMPLETE="complete_bash",
                            COMP_WORDS="hotspotwatch ",
                            COMP_CWORD="1",
                        )
                    argv = [sys.executable, "-c", SCRIPT, *cases[tree_name][case]]
                    try:
                        timed = _once(argv, env)
                        if run:
                            samples[tree_name].append(timed)
                    except CommandFailed:
                        if tree_name == "current":
                            raise
                        missing.add(tree_name)  # a command the baseline does not have
            for tree_name, got in samples.items():
                if got and tree_name not in missing:
                    results[tree_name][case] = _summary(got)
                    print(
                        f"{tree_name:9s} {case:32s} wall {results[tree_name][case]['wall_s']:.3f} s"
                        f"  cpu {results[tree_name][case]['cpu_s']:.3f} s",
                        flush=True,
                    )
        load_after = os.getloadavg()

    floor = peers["python -c pass"]["wall_s"]
    summary = {
        case: {
            "wall_s": v["wall_s"],
            "cpu_s": v["cpu_s"],
            "over_python_s": round(v["wall_s"] - floor, 4),
            **(
                {
                    "floor": _floor(case),
                    "over_floor_s": round(v["wall_s"] - peers[_floor(case)]["wall_s"], 4),
                }
                if _floor(case)
                else {}
            ),
            "target_s": _target(case),
            "meets_target": None if _target(case) is None else v["wall_s"] < _target(case),
            **(
                {"vs_baseline_wall": round(v["wall_s"] / results["baseline"][case]["wall_s"], 3)}
                if "baseline" in results and case in results["baseline"]
                else {}
            ),
        }
        for case, v in results["current"].items()
    }
    out = {
        "bench": "startup",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in load_after],
        },
        "runs": args.runs,
        "cases_selected": args.case,
        "loaded_workspace": None if args.workspace is None else str(args.workspace),
        "statistic": "median of the runs (wall and child CPU time, seconds)",
        "bytecode_cache": "written by the untimed first runs, as a user's Python does "
        "(PYTHONDONTWRITEBYTECODE removed from the children's environment)",
        "targets": {"help_and_completion_s": 0.3, "fixed_cost_s": 0.5},
        "peers": peers,
        "baseline_ref": args.baseline,
        "baseline_site": None if args.baseline_site is None else str(args.baseline_site),
        "versions": {
            "current": _versions(base_env, paths["current"]),
            **({"baseline": _versions(base_env, paths["baseline"])} if "baseline" in paths else {}),
        },
        "results": results,
        "summary": summary,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
