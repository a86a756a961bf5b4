"""A second city, end to end, through the real command line (issue 14, "Must show").

Not Brussels, and not generated to fit the code: a UK-style city in a UTM zone
(EPSG:32630, Europe/London) built with :func:`hotspotwatch.testing.make_city`, whose data
then goes through the files a new user would have:

- a police.uk street-level CSV (``--format police-uk``): robbery and vehicle crime, month
  precision (every event on the 1st of its month), two months missing (September and October
  2022), a few exact duplicates under distinct Crime IDs;
- the city's own incident log (CSV + mapping): burglary, assault, stop and search and community
  patrols, date plus hour, no ids, exact duplicate rows;
- its own neighbourhood layer as the zone layer, its own categories, harm weights and report
  wording, and no Brussels configuration.

Every command of ``hotspotwatch --help`` (walked recursively) runs at least once
(:data:`CASES`); a command without a case fails :func:`test_every_command_has_a_case`.
The assertions are the issue's: no Brussels or drug wording in any output, the neighbourhood
label (never "police zone"), Knox refused on the month-only source and working on the hour
source, missing months shown as missing, WDD consistent with the verdict, the same Gini on
counts whatever the harm weights, and no exit 1 or "this is a bug" anywhere.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from hotspotwatch.cli.main import app
from hotspotwatch.testing import CitySource, make_city

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("secondcity")]

CRS = "EPSG:32630"
TZ = "Europe/London"
CENTRE = (-2.24, 53.48)
GAP = (dt.date(2022, 9, 1), dt.date(2022, 11, 1))  # police.uk publishes nothing for Sep-Oct 2022
GAP_MONTHS = ("2022-09", "2022-10")
LOG_TYPES = {  # the incident log's own wording -> workspace category
    "Residential burglary": "burglary",
    "Assault": "assault",
    "Stop and search": "stop_and_search",
    "Community patrol": "community_patrol",
}
POLICE_TYPES = {"robbery": "Robbery", "vehicle_theft": "Vehicle crime"}
NEIGHBOURHOOD = {"en": "neighbourhood", "fr": "quartier", "nl": "wijk"}
WEIGHTS_A = {"burglary": 10, "assault": 20, "robbery": 30, "vehicle_theft": 5}
WEIGHTS_B = {"burglary": 1, "assault": 100, "robbery": 3, "vehicle_theft": 50}

#: Words of the Brussels demo and of its drug-market framing that must not appear.
FORBIDDEN = re.compile(
    r"brussel|bruxelles|drug|drogue|\bdeal(s|ing|er|ers)?\b|stup[ée]fiant|peacekeeper|"
    r"vredeswacht|gardien de la paix|security council|conseil r[ée]gional de s[ée]curit[ée]|"
    r"veiligheidsraad|lambert|epsg:3812|police zone|zone de police|politiezone",
    re.IGNORECASE,
)
#: Commands with no case here, and why.
NOT_HERE = {
    "demo": "builds the Brussels scenario by design: tests/e2e/test_demo.py runs it",
}


@dataclass
class Result:
    args: list[str]
    exit_code: int
    stdout: str
    stderr: str
    exception: str | None = None
    expect: int = 0
    scan: bool = True  # checked for Brussels/drug wording

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


@dataclass
class City:
    root: Path
    ws: Path
    results: dict[str, list[Result]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)
    entry_point: Any = None

    def run(self, *args: str, expect: int = 0, stdin: str | None = None,
            scan: bool = True) -> Result:
        """Run ``hotspotwatch ARGS`` in-process; record it under its command path
        (``SECONDCITY_TIMES=1`` with ``pytest -s`` prints each command's seconds)."""
        import os
        import time

        t0 = time.perf_counter()
        res = CliRunner().invoke(app, list(args), input=stdin)
        if os.environ.get("SECONDCITY_TIMES"):
            print(f"{time.perf_counter() - t0:6.1f} s  {' '.join(args[:4])}", file=sys.__stderr__,
                  flush=True)
        exc = None
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            import traceback

            exc = "".join(traceback.format_exception(res.exception))
        out = Result(list(args), res.exit_code, res.stdout, res.stderr, exc, expect, scan)
        self.results.setdefault(command_path(list(args)), []).append(out)
        return out  # checked by test_every_case_exits_as_expected

    def json(self, *args: str) -> Any:
        r = self.run(*args, "--json")
        return json.loads(r.stdout) if r.exit_code == 0 else None

    def wsargs(self) -> list[str]:
        return ["-w", str(self.ws)]


def _commands() -> dict[str, Any]:
    """Every runnable command path of ``hotspotwatch`` (a group that runs on its own, like
    ``evaluate``, counts as one)."""
    root = typer.main.get_command(app)
    found: dict[str, Any] = {}

    def walk(cmd: Any, path: list[str], ctx: Any) -> None:
        if hasattr(cmd, "list_commands"):  # a group (typer vendors its own click)
            if getattr(cmd, "invoke_without_command", False) and path:
                found[" ".join(path)] = cmd
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    walk(sub, [*path, name], sub.context_class(sub, parent=ctx, info_name=name))
        else:
            found[" ".join(path)] = cmd

    walk(root, [], root.context_class(root, info_name="hotspotwatch"))
    return found


COMMANDS = _commands()


def command_path(args: list[str]) -> str:
    """The longest command path of ``COMMANDS`` that ``args`` starts with."""
    words: list[str] = []
    for a in args:
        if a.startswith("-"):
            break
        if " ".join([*words, a]) in COMMANDS or any(
                c.startswith(" ".join([*words, a]) + " ") for c in COMMANDS):
            words.append(a)
        else:
            break
    return " ".join(words)


# ---------------------------------------------------------------------------------- the data


def _source_city(root: Path) -> Any:
    return make_city(
        root / "generator", crs=CRS, timezone=TZ, centre=CENTRE, n_zones=6, n_hotspots=3,
        seed=11, scale=0.5, name="Generator",
        config={"categories": {"stop_and_search": {"role": "enforcement"},
                               "community_patrol": {"role": "prevention"}}},
        sources=[
            CitySource("police-uk", ("robbery", "vehicle_theft"), precision="month",
                       duplicates=12, gaps=[GAP]),
            CitySource("city-log", ("burglary", "assault", "stop_and_search",
                                    "community_patrol"), precision="hour", duplicates=25),
        ],
    )


def _police_uk_csv(ev: pd.DataFrame, path: Path) -> Path:
    local = ev["occurred_at"].dt.tz_convert(TZ)
    pd.DataFrame({
        "Crime ID": ev["source_id"],
        "Month": local.dt.strftime("%Y-%m"),
        "Reported by": "Northbridge Police",
        "Falls within": "Northbridge Police",
        "Longitude": ev["lon"].round(6),
        "Latitude": ev["lat"].round(6),
        "Location": "On or near High Street",
        "LSOA code": "E01000001",
        "LSOA name": "Northbridge 001A",
        "Crime type": ev["category"].map(POLICE_TYPES),
        "Last outcome category": "Under investigation",
        "Context": "",
    }).to_csv(path, index=False)
    return path


def _log_csv(ev: pd.DataFrame, path: Path) -> tuple[Path, Path]:
    local = ev["occurred_at"].dt.tz_convert(TZ)
    back = {v: k for k, v in LOG_TYPES.items()}
    pd.DataFrame({  # no id column: identical rows are identified by fingerprint + ordinal
        "date": local.dt.strftime("%Y-%m-%d"),
        "hour": local.dt.strftime("%H:00"),
        "lon": ev["lon"].round(7),
        "lat": ev["lat"].round(7),
        "type": ev["category"].map(back),
    }).to_csv(path, index=False)
    mapping = path.with_suffix(".toml")
    cats = "\n".join(f'"{k}" = "{v}"' for k, v in LOG_TYPES.items())
    mapping.write_text(textwrap.dedent(f"""\
        source = "city-log"
        timezone = "{TZ}"

        [columns]
        date = "date"
        hour = "hour"
        lon = "lon"
        lat = "lat"
        category = "type"

        [categories]
        """) + cats + "\n", encoding="utf-8")
    return path, mapping


def _presence_and_resources(files: Path, names: list[str]) -> tuple[Path, Path, Path]:
    """A year of patrol sessions at the hotspots (with their mapping) and what they cost."""
    import numpy as np

    rng = np.random.default_rng(3)
    n = 240
    start = pd.Timestamp("2023-01-02 08:00") + pd.to_timedelta(rng.integers(0, 360 * 24, n),
                                                              unit="h")
    minutes = rng.integers(5, 90, n)
    sessions = files / "patrols.csv"
    pd.DataFrame({
        "patrol": [f"P{i:04d}" for i in range(n)],
        "begin": start.strftime("%Y-%m-%d %H:%M"),
        "finish": (start + pd.to_timedelta(minutes, unit="min")).strftime("%Y-%m-%d %H:%M"),
        "team": rng.choice(["NT", "SW"], n),
        "place": rng.choice(names, n),
    }).to_csv(sessions, index=False)
    mapping = files / "patrols.toml"
    mapping.write_text(textwrap.dedent(f"""\
        source = "northbridge-patrols"
        kind = "sessions"
        timezone = "{TZ}"
        time_format = "%Y-%m-%d %H:%M"

        [columns]
        id = "patrol"
        start = "begin"
        end = "finish"
        unit_type = "team"
        hotspot = "place"

        [unit_types]
        "NT" = "neighbourhood_team"
        "SW" = "street_wardens"
        """), encoding="utf-8")
    resources = files / "resources.csv"
    pd.DataFrame({
        "hotspot": names, "start": "2023-01-01", "end": "2023-12-31", "kind": "police",
        "staff_hours": [420.0, 380.0, 510.0][: len(names)],
        "cost": [16800.0, 15200.0, 20400.0][: len(names)],
        "source": "Northbridge finance office",
    }).to_csv(resources, index=False)
    return sessions, mapping, resources


def _config(path: Path, weights: dict[str, int]) -> None:
    """The city's own hotspotwatch.toml (written as a user would, on top of ``init``'s)."""
    ws = tomllib.loads(path.read_text(encoding="utf-8"))["workspace"]
    label = ", ".join(f'{k} = "{v}"' for k, v in NEIGHBOURHOOD.items())
    path.write_text(textwrap.dedent(f"""\
        [workspace]
        name = "{ws['name']}"
        crs = "{ws['crs']}"
        timezone = "{ws['timezone']}"
        disclosure_k = 5
        zone_layer = "neighbourhood"
        zone_label = {{ {label} }}

        [categories.stop_and_search]
        role = "enforcement"
        label = "Stop and search"

        [categories.community_patrol]
        role = "prevention"
        label = "Community patrol"

        [harm_weights]
        """) + "\n".join(f"{k} = {v}" for k, v in weights.items()) + textwrap.dedent("""

        [report]
        title = "Designated places review"
        body = "Community Safety Partnership"
        strategy = "place-based policing"
        harm_focus = "street crime"
        near_repeat_categories = ["burglary"]

        [evaluation]
        buffer_widths = [250]
        pre_months = 12

        [presence]
        unit_types = ["neighbourhood_team", "street_wardens"]

        [resources]
        currency = "GBP"
        """), encoding="utf-8")


def _streets(files: Path) -> Path:
    """Two streets (GeoJSON, WGS84) across the study area, each running beyond it."""
    region = json.loads((files / "region.geojson").read_text(encoding="utf-8"))
    flat = json.dumps([f["geometry"]["coordinates"] for f in region["features"]])
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?", flat)]
    xs, ys = nums[0::2], nums[1::2]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    mx, my, dx, dy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    feats = [
        {"type": "Feature", "properties": {"name": "High Street"},
         "geometry": {"type": "LineString",
                      "coordinates": [[x0 - dx, my], [x1 + dx, my]]}},
        {"type": "Feature", "properties": {"name": "Station Road"},
         "geometry": {"type": "LineString",
                      "coordinates": [[mx, y0 - dy], [mx, y1 + dy]]}},
    ]
    out = files / "streets.geojson"
    out.write_text(json.dumps({"type": "FeatureCollection", "features": feats}),
                   encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory,
         monkeypatch_module: pytest.MonkeyPatch) -> Iterator[City]:
    root = tmp_path_factory.mktemp("secondcity")
    gen = _source_city(root)
    files = root / "files"
    files.mkdir()
    ev = gen.events()
    police = _police_uk_csv(ev[ev["source"] == "police-uk"], files / "2021-2023-street.csv")
    log, mapping = _log_csv(ev[ev["source"] == "city-log"], files / "incident-log.csv")
    c = City(root, root / "northbridge")
    g = ["-w", str(gen.path)]
    gen.close()
    # the boundaries and the hotspot decisions, as files (GeoJSON, WGS84)
    c.run("export", "areas", "--layer", "region", "--format", "geojson",
          "-o", str(files / "region.geojson"), *g)
    c.run("export", "areas", "--layer", "neighbourhood", "--format", "geojson",
          "-o", str(files / "neighbourhoods.geojson"), *g)
    c.run("export", "hotspots", "--format", "geojson", "-o", str(files / "hotspots.geojson"), *g)
    # the city names its places after streets: "Hotspot 1" would (rightly) stop the public
    # version, which never brands a place a hot spot (i18n/public_words.py)
    places = files / "hotspots.geojson"
    places.write_text(places.read_text(encoding="utf-8").replace('"Hotspot ', '"Ward Street '),
                      encoding="utf-8")

    w = c.wsargs()
    c.run("init", str(c.ws), "--crs", CRS, "--timezone", TZ, "--name", "Northbridge",
          "--study-area", str(files / "region.geojson"), "--json")
    _config(c.ws / "hotspotwatch.toml", WEIGHTS_A)
    c.run("import", "areas", str(files / "neighbourhoods.geojson"), "--layer", "neighbourhood",
          "--code-field", "code", "--name-field", "name", "--json", *w)
    c.run("import", "hotspots", str(files / "hotspots.geojson"), "--json", *w)
    c.run("import", "lines", str(_streets(files)), "--layer", "streets", "--name-field", "name",
          "--json", *w)
    c.run("import", "events", str(police), "--format", "police-uk", "--json", *w)
    c.run("import", "events", str(log), "--mapping", str(mapping), "--json", *w)
    bad = files / "no-location.csv"  # one police.uk row without a location: quarantined
    bad.write_text(police.read_text(encoding="utf-8").splitlines()[0] + "\n"
                   + ",2023-06,Northbridge Police,Northbridge Police,,,No Location,,,Robbery,,\n",
                   encoding="utf-8")
    c.run("import", "events", str(bad), "--format", "police-uk", *w)
    c.run("quarantine", "list", *w)
    hotspot_names = json.loads(
        (files / "hotspots.geojson").read_text(encoding="utf-8"))["features"]
    sessions, presence_map, resources = _presence_and_resources(
        files, [f["properties"]["name"] for f in hotspot_names])
    c.run("import", "presence", str(sessions), "--mapping", str(presence_map), "--json", *w)
    c.run("import", "resources", str(resources), "--json", *w)
    c.run("quarantine", "export", "--format", "json", "-o", str(files / "quarantine.json"), *w)
    c.run("info", *w)
    c.run("info", "--json", *w)
    c.run("hotspot", "list", *w)
    c.run("hotspot", "list", "--json", *w)

    out = root / "out"
    c.run("detect", "gistar", "--permutations", "99", "--seed", "1", "--output",
          str(out / "gistar"), "--json", *w)
    c.run("detect", "lisa", "--permutations", "99", "--seed", "1", "--output", str(out / "lisa"),
          *w)
    c.run("detect", "kde", "--output", str(out / "kde"), "--json", *w)
    c.run("detect", "concentration", "--json", *w)
    c.run("detect", "classify", "--start", "2021-01-01", "--end", "2024-01-01",
          "--output", str(out / "classify"), *w)
    c.run("detect", "coverage", "--output", str(out / "coverage"), "--json", *w)
    c.run("detect", "borders", "--json", *w)
    c.run("detect", "borders", *w)
    # the same events under other harm weights
    _config(c.ws / "hotspotwatch.toml", WEIGHTS_B)
    c.run("detect", "concentration", "--json", *w)
    _config(c.ws / "hotspotwatch.toml", WEIGHTS_A)

    c.run("spacetime", "knox", "--category", "robbery", "--permutations", "99", *w, expect=2)
    # the same refusal through the console-script entry point (main(): exit codes, no traceback)
    import subprocess

    c.entry_point = subprocess.run(
        [sys.executable, "-c", "from hotspotwatch.cli.main import main; main()", "spacetime",
         "knox", "--category", "robbery", "--permutations", "99", *w],
        capture_output=True, text=True, timeout=120, check=False)
    c.run("spacetime", "knox", "--role", "harm", "--permutations", "99", *w,
          expect=2)  # month and hour events
    c.run("spacetime", "knox", "--category", "burglary", "--permutations", "99", "--seed", "1",
          "--output", str(out / "knox"), "--json", *w)
    c.run("spacetime", "knox", "--category", "burglary", "--permutations", "99", "--seed", "1",
          *w)
    c.run("spacetime", "knox", "--role", "harm", "--min-precision", "day", "--permutations",
          "99", "--seed", "1", "--json", *w)
    lon, lat = ev.loc[ev["category"] == "burglary", ["lon", "lat"]].iloc[-1]
    c.run("spacetime", "alert", "--lon", f"{lon:.6f}", "--lat", f"{lat:.6f}", "--date",
          "2023-12-20", "--category", "burglary", "--json", *w)
    c.run("spacetime", "alert", "--lon", f"{lon:.6f}", "--lat", f"{lat:.6f}", "--date",
          "2023-12-20", "--category", "robbery", *w, expect=2)
    c.run("spacetime", "emerging", "--step", "week", "--category", "robbery", *w, expect=2)
    c.run("spacetime", "emerging", "--step", "month", "--output", str(out / "emerging"),
          "--json", *w)
    c.run("spacetime", "emerging", "--step", "week", "--category", "burglary", *w)

    c.run("evaluate", *w)
    c.run("evaluate", "--json", *w)
    c.run("evaluate", "incidents", "--category", "robbery", "--start", "2023-01-01", "--end",
          "2023-12-31", "--json", *w)
    c.run("evaluate", "incidents", "--category", "burglary", "--start", "2023-06-01", "--end",
          "2023-12-31", *w)
    c.run("dose", "presence", *w)
    c.run("dose", "presence", "--json", *w)
    c.run("dose", "deterrence", "--json", *w)
    c.run("dose", "cost", *w)
    c.run("dose", "cost", "--json", *w)
    c.run("runs", "list", *w)
    runs = c.json("runs", "list", *w) or [{"key": "none"}]
    c.run("runs", "show", runs[0]["key"][:12], *w)

    c.run("report", "renewal", "--lang", "en", "--format", "html", "-o",
          str(out / "renewal-en.html"), *w)
    c.run("report", "renewal", "--lang", "fr", "--format", "html", "--audience", "public",
          "-o", str(out / "renewal-public-fr.html"), *w)
    for what in ("events", "areas", "hotspots"):
        c.run("export", what, "--format", "csv", "-o", str(out / f"export-{what}.csv"), *w)

    c.run("user", "add", "ana", "--role", "regional_analyst", "--password-stdin", *w,
          stdin="a long enough passphrase\n")
    c.run("user", "list", "--json", *w)
    token = c.run("user", "token", "ana", "--label", "e2e", *w).stdout.strip()
    c.run("user", "tokens", "ana", *w)
    served: dict[str, Any] = {}
    import uvicorn

    monkeypatch_module.setattr(uvicorn, "run", lambda app_, **kw: served.update(app=app_, **kw))
    toml = c.ws / "hotspotwatch.toml"
    kept = toml.read_text(encoding="utf-8")
    toml.write_text(kept + '\n[web]\nprevention_kinds = ["street_pastors"]\n', encoding="utf-8")
    # a wrong setting: one line, before serving (it lists every valid kind, Brussels' too)
    c.run("serve", "--port", "8799", *w, expect=2, scan=False)
    toml.write_text(kept, encoding="utf-8")
    c.run("serve", "--port", "8799", *w)
    c.pages = _pages(served["app"], token) if "app" in served else {}
    c.run("user", "revoke", "ana", "--disable", *w)
    c.run("audit", "export", "--format", "jsonl", "-o", str(out / "audit.jsonl"), *w)
    c.run("backup", str(root / "backup"), *w)
    c.run("restore", str(root / "backup"), *w)
    c.run("info", *w)

    # decisions after the review: a new place, its renewal and its end
    c.run("hotspot", "designate", "Market Square", "--start", "2023-11-01", "--end",
          "2023-12-31", "--body", "City council", "--lon", f"{CENTRE[0]:.5f}", "--lat",
          f"{CENTRE[1]:.5f}", "--radius", "150", "--decision-ref", "CC 2023/41", *w)
    c.run("hotspot", "extend", "Market Square", "--end", "2024-04-30", "--body", "City council",
          *w)
    c.run("hotspot", "end", "Market Square", "--on", "2024-02-29", "--body", "City council",
          "--json", *w)
    c.files = sorted(p for p in out.rglob("*") if p.is_file())
    yield c


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _pages(web_app: Any, token: str) -> dict[str, str]:
    """The dashboard's pages and their JSON, as a signed-in analyst reads them."""
    from fastapi.testclient import TestClient

    auth = {"Authorization": f"Bearer {token}"}
    out: dict[str, str] = {}
    with TestClient(web_app, base_url="http://testserver") as client:
        hotspots = client.get("/api/v1/hotspots", headers=auth)
        out["/api/v1/hotspots"] = f"{hotspots.status_code} {hotspots.text}"
        first = hotspots.json() if hotspots.status_code == 200 else []
        items = first["features"] if isinstance(first, dict) and "features" in first else first
        hid = (items[0].get("id") or items[0]["properties"]["id"]) if items else None
        paths = ["/public", "/api/v1/public/config", "/api/v1/public/hotspots",
                 "/api/v1/public/evaluation", "/api/v1/i18n/en", "/api/v1/i18n/fr", "/map",
                 "/strategy"]
        if hid is not None:
            paths += [f"/hotspots/{hid}", f"/api/v1/hotspots/{hid}",
                      f"/api/v1/hotspots/{hid}/monthly"]
        for p in paths:
            r = client.get(p, headers=auth)
            out[p] = f"{r.status_code} {r.text}"
    return out


# ---------------------------------------------------------------------------------- the tests


def test_every_command_has_a_case(city: City) -> None:
    missing = sorted(set(COMMANDS) - set(city.results) - set(NOT_HERE))
    assert missing == [], f"commands with no case in {__file__}: {missing}"
    assert set(NOT_HERE) <= set(COMMANDS)


def test_every_case_exits_as_expected(city: City) -> None:
    wrong = [(r.args, r.exit_code, r.text[-600:], r.exception)
             for results in city.results.values() for r in results if r.exit_code != r.expect]
    assert wrong == []


def test_the_dashboard_serves_the_city(city: City) -> None:
    wrong, _ = city.results["serve"]
    assert "[web] prevention_kinds" in wrong.stderr and wrong.stderr.strip().count("\n") == 0
    assert len(city.pages) >= 10
    assert {p: body[:200] for p, body in city.pages.items() if not body.startswith("200 ")} == {}
    assert "Northbridge" in city.pages["/api/v1/public/config"]
    assert "Neighbourhood boundaries" in city.pages["/map"]  # the zone layer, by its own name
    hotspot_page = next(body for p, body in city.pages.items() if p.startswith("/hotspots/"))
    assert 'value="outreach"' in hotspot_page and "peacekeeper" not in hotspot_page


def test_no_exit_1_no_traceback_no_bug_message(city: City) -> None:
    for path, results in city.results.items():
        for r in results:
            assert r.exit_code in (0, 2), (path, r.args, r.exit_code, r.text)
            assert r.exception is None, (r.args, r.exception)
            assert "this is a bug" not in r.text, (r.args, r.text)
            assert "Traceback" not in r.text, (r.args, r.text)


def _texts(city: City) -> Iterator[tuple[str, str]]:
    for results in city.results.values():
        for r in results:
            if r.scan:
                yield " ".join(r.args[:6]), r.text
    for f in city.files:
        if f.suffix in (".json", ".geojson", ".csv", ".html", ".txt", ".jsonl", ".md"):
            yield str(f), html_lib.unescape(f.read_text(encoding="utf-8", errors="replace"))
    yield from city.pages.items()


def test_no_brussels_or_drug_wording_anywhere(city: City) -> None:
    hits = []
    for where, text in _texts(city):
        for m in FORBIDDEN.finditer(text):
            hits.append((where, text[max(0, m.start() - 60): m.end() + 60]))
    assert hits == [], "\n".join(f"{w}: {t!r}" for w, t in hits)


def test_the_neighbourhood_layer_is_the_zone_layer_and_is_named_so(city: City) -> None:
    info = json.loads(city.results["info"][1].stdout)
    assert "neighbourhood" in json.dumps(info)
    borders = json.loads(city.results["detect borders"][0].stdout)
    assert json.dumps(borders).count("neighbourhood") >= 1
    assert "neighbourhood" in city.results["detect borders"][1].stdout
    en = (city.root / "out" / "renewal-en.html").read_text(encoding="utf-8")
    fr = (city.root / "out" / "renewal-public-fr.html").read_text(encoding="utf-8")
    assert "neighbourhood" in en.lower() and "quartier" in fr.lower()


def test_knox_refused_on_the_month_only_source_and_working_on_the_hour_source(
        city: City) -> None:
    ep = city.entry_point
    assert ep.returncode == 2 and ep.stdout == "", (ep.returncode, ep.stderr)
    assert len(ep.stderr.strip().splitlines()) == 1 and "month" in ep.stderr
    assert "this is a bug" not in ep.stderr and "Traceback" not in ep.stderr
    refused, mixed, ok_json, ok_table, min_day = city.results["spacetime knox"]
    for r in (refused, mixed):
        assert r.exit_code == 2
        lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
        assert len(lines) == 1, r.stderr
        assert "month" in lines[0] and "--min-precision" in lines[0], lines[0]
    knox = json.loads(ok_json.stdout)
    assert knox["time_precision"] == "hour" and knox["n_dropped_precision"] == 0
    assert knox["n_duplicates"] > 0  # the log's duplicate rows, counted once
    ratio = knox["knox"]["ratio"][0][0]
    assert ratio > 2 and knox["knox"]["p_value"][0][0] <= 0.05  # the planted near repeats
    assert ok_table.exit_code == 0 and "burglar" in ok_table.stdout.lower()
    dropped = json.loads(min_day.stdout)
    assert dropped["min_precision"] == "day" and dropped["n_dropped_precision"] > 0
    alert_ok, alert_refused = city.results["spacetime alert"]
    assert json.loads(alert_ok.stdout)["time_precision"] == "hour"
    assert "month" in alert_refused.stderr and alert_refused.stderr.count("\n") <= 1
    weekly_month, monthly, _weekly_hour = city.results["spacetime emerging"]
    assert "month" in weekly_month.stderr and weekly_month.exit_code == 2
    assert json.loads(monthly.stdout)["time_precision"] == "month"


def test_missing_months_shown_as_missing(city: City) -> None:
    data = json.loads(city.results["evaluate"][1].stdout)
    missing = {(m["source"], m["month"][:7]) for m in data["missing_months"]}
    assert missing == {("police-uk", m) for m in GAP_MONTHS}
    assert all(h["missing_months"] for h in data["hotspots"])
    table = city.results["evaluate"][0].stdout
    assert "police-uk" in table and all(m in table for m in GAP_MONTHS)
    en = html_lib.unescape((city.root / "out" / "renewal-en.html").read_text(encoding="utf-8"))
    assert "September 2022" in en and "October 2022" in en and "missing" in en


def test_wdd_local_interval_never_points_against_the_verdict(city: City) -> None:
    data = json.loads(city.results["evaluate"][1].stdout)
    assert len(data["hotspots"]) == 3
    for h in data["hotspots"]:
        w = h["wdd"]
        assert w["local_ci_low"] <= w["local"] <= w["local_ci_high"], h["name"]
        assert w["ci_low"] <= w["estimate"] <= w["ci_high"], h["name"]
        if h["verdict"] == "increase":
            assert w["local_ci_high"] >= 0, h["name"]
        if h["verdict"] == "reduction":
            assert w["local_ci_low"] <= 0, h["name"]


def test_same_gini_on_counts_whatever_the_harm_weights(city: City) -> None:
    a, b = (json.loads(r.stdout) for r in city.results["detect concentration"])
    assert a["count"]["gini_generalized"] == pytest.approx(b["count"]["gini_generalized"],
                                                           abs=1e-12)
    assert a["harm"]["gini_generalized"] != pytest.approx(b["harm"]["gini_generalized"],
                                                          abs=1e-6)


def test_duplicates_and_sources_imported_as_they_are(city: City) -> None:
    info = json.loads(city.results["info"][1].stdout)
    text = json.dumps(info)
    assert "police-uk" in text or "robbery" in text
    police = json.loads(city.results["import events"][0].stdout)
    assert police["quarantined"] == 0 and police["inserted"] == police["read"]
    assert police["duplicates"] == 12  # distinct Crime IDs, same month, place and type
    log = json.loads(city.results["import events"][1].stdout)
    assert log["quarantined"] == 0 and log["inserted"] == log["read"]
    assert log["duplicates"] == 25  # identical rows without ids: all kept, counted
    assert "No Location" in city.results["quarantine list"][0].stdout
    init = json.loads(city.results["init"][0].stdout)
    assert init["study_area"]["area_km2"] == pytest.approx(16.0, rel=1e-3)


def test_streets_are_clipped_to_the_study_area(city: City) -> None:
    got = json.loads(city.results["import lines"][0].stdout)
    assert got["layer"] == "streets" and got["read"] == 2 and got["written"] == 2
    assert got["outside"] == 0  # both cross the study area; only their ends are clipped


def test_presence_and_resources_of_the_city(city: City) -> None:
    presence = json.loads(city.results["import presence"][0].stdout)
    assert presence["read"] == presence["inserted"] == 240 and presence["quarantined"] == 0
    resources = json.loads(city.results["import resources"][0].stdout)
    assert resources["read"] == resources["inserted"] == 3
    assert all(r.exit_code == 0 for r in city.results["dose presence"])
    json.loads(city.results["dose deterrence"][0].stdout)
    assert all(r.exit_code == 0 for r in city.results["dose cost"])
    json.loads(city.results["dose cost"][1].stdout)


def test_costs_are_not_said_in_euros_for_a_city_that_pays_in_pounds(city: City) -> None:
    table = city.results["dose cost"][0].stdout
    assert "euro" not in table.lower() and "€" not in table
    assert "British pounds" in table
    assert json.loads(city.results["dose cost"][1].stdout)["currency"] == "GBP"
