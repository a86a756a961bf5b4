"""Every number traceable (issue 13, "Must show"), in another city's shape.

A synthetic city (:func:`hotspotwatch.testing.make_city`: UTM CRS, a ``neighbourhood`` zone
layer) first gets runs that the old report would have picked up as "the latest": Knox on
burglary only, the concentration of one category in one year, and an evaluation up to an
earlier date. The renewal report for a later date must show its own runs instead: read back
from the HTML, its Knox (on the configured category), its all-harm concentration and its
evaluation period equal fresh runs with the report's own parameters, and the methods page
lists them. The printed rebuild command gives the same numbers on a copy of the workspace;
a harm weight change makes the stored evaluation stale; two buffer widths give two rings.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tomllib
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app
from hotspotwatch.domain.disclosure import Disclosure
from hotspotwatch.report.fmt import Fmt
from hotspotwatch.testing import make_city
from hotspotwatch.workflows.runs import compute_function
from hotspotwatch.workflows.views import renewal_specs

pytestmark = pytest.mark.slow

UNTIL = dt.date(2023, 12, 31)
EARLIER = dt.date(2023, 3, 31)  # not the previous review (2023-06-30), which is reused
CONFIG = {"report": {"near_repeat_categories": ["robbery"]}, "evaluation": {"weighted": True}}
runner = CliRunner()


def _cli(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.output


class _Sections(HTMLParser):
    """Text of elements with a given class, and the rows of the runs table."""

    def __init__(self, classes: set[str]) -> None:
        super().__init__()
        self.classes = classes
        self.stack: list[str | None] = []
        self.text: dict[str, list[str]] = {c: [] for c in classes}
        self.runs: dict[str, dict[str, str]] = {}
        self._run: dict[str, str] | None = None
        self._param: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = next((c for c in (a.get("class") or "").split() if c in self.classes), None)
        if cls is not None:
            self.text[cls].append("")
        self.stack.append(cls)
        if tag == "tr" and "data-run" in a:
            self._run = {"run": a["data-run"], "kind": a["data-kind"]}
            self.runs[a["data-section"]] = self._run
        if tag == "span" and a.get("class") == "param" and self._run is not None:
            self._param = a["data-name"]

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()
        if tag == "span":
            self._param = None
        if tag == "tr":
            self._run = None

    def handle_data(self, data):
        for cls in {c for c in self.stack if c}:
            self.text[cls][-1] += data
        if self._param is not None and self._run is not None:
            self._run[f"param:{self._param}"] = data.split(" = ", 1)[1]


def _read(html: str) -> _Sections:
    parser = _Sections({"knox", "concentration", "command", "subtitle", "outcomes", "effect"})
    parser.feed(html)
    return parser


def _visible_numbers(html: str) -> str:
    """The report's text without figures and without the run dates (which may differ
    between a reused and a recomputed run), for number-for-number comparisons."""
    text = re.sub(r'src="data:image/png;base64,[^"]*"', "", html)
    text = re.sub(r"HotspotWatch [^<]* · \d{4}-\d{2}-\d{2}", "", text)
    return re.sub(r"<[^>]+>", " ", unescape(text))


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("traceable")
    ws = make_city(root / "city", config=CONFIG, seed=3)
    path = ws.path
    ws.close()
    w = str(path)
    # Runs the report must NOT show: Knox on burglary only, concentration of one category in
    # one year, an evaluation up to an earlier date.
    _cli("spacetime", "knox", "-w", w, "-c", "burglary", "--permutations", "99", "--seed", "1")
    _cli("detect", "concentration", "-w", w, "-c", "burglary", "--start", "2022-01-01",
         "--end", "2023-01-01")
    _cli("evaluate", "-w", w, "--until", EARLIER.isoformat())
    return path


@pytest.fixture(scope="module")
def report(city: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("html") / "renewal.html"
    _cli("report", "renewal", "-w", str(city), "--until", UNTIL.isoformat(), "--format", "html",
         "-o", str(out))
    return out.read_text(encoding="utf-8"), out


def test_knox_concentration_and_evaluation_are_the_reports_own_runs(city, report):
    html, _ = report
    parsed = _read(html)
    with Workspace.open(city) as ws:
        specs = renewal_specs(ws, until=UNTIL)
        f = Fmt("en", Disclosure("council", ws.config.disclosure_k))
        # Knox: the configured category, not the stored burglary run.
        assert specs.knox.parameters["categories"] == ["robbery"]
        knox = compute_function("spacetime.knox")(ws, dict(specs.knox.parameters))
        (first_box, *_) = parsed.text["knox"]
        assert f"{knox.knox.n_events} events: robbery" in first_box.replace("\u202f", "")
        assert "burglary" not in first_box
        if knox.alert is not None and knox.alert.elevated:
            # the sentence quotes the alert's shaded cells: their reach and their largest ratio
            alert = knox.alert
            assert f"within {f.num(alert.radius_m, 0)} m and {f.num(alert.days, 0)} days" in first_box
            ratio = max(z.max_ratio for z in alert.zones)
            assert f"{f.num(ratio, 1)} times" in first_box
        else:
            assert "no near-repeat pattern" in first_box
        # Concentration of all harm in the report's window, not of burglary in 2022.
        assert specs.concentration.parameters["categories"] is None
        conc = compute_function("detect.concentration")(ws, dict(specs.concentration.parameters))
        (shown,) = parsed.text["concentration"]
        for ev, pl in zip(conc.harm.event_shares, conc.harm.place_shares, strict=True):
            assert f"{f.num(100 * ev, 0)} % of harm events occurred in {f.num(100 * pl, 1)} %" in shown
        assert f.num(conc.harm.gini_generalized) in shown
        # The evaluation up to the report's date, not the stored earlier one.
        assert specs.evaluation.parameters["until"] == UNTIL.isoformat()
        evaluation = compute_function("evaluate")(ws, dict(specs.evaluation.parameters))
        for h in evaluation.hotspots:
            assert h.last_day <= UNTIL
            assert f.date(h.last_day) in html
            assert f'<td class="num">{f.num(h.did.irr)}</td>' in html
        assert "up to 31 December 2023" in html
        # The methods page lists exactly these runs, by key and parameters.
        for section, spec in specs.items():
            stored = ws.find_run(spec.kind, spec.parameters)
            row = parsed.runs[section]
            assert stored is not None and row["run"] == stored.short_key, section
            assert row["kind"] == spec.kind
            for name, value in spec.parameters.items():
                assert row[f"param:{name}"] == __import__("json").dumps(
                    value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
                ), (section, name)
        decoys = {r.key[:12] for r in ws.run_infos() if r.key} - {
            row["run"] for row in parsed.runs.values()
        }
        assert len(decoys) >= 3  # the three earlier runs are stored but not shown
        assert not any(d in html for d in decoys)


def test_printed_rebuild_command_gives_the_same_numbers_on_a_copy(city, report, tmp_path):
    html, _ = report
    (command,) = _read(html).text["command"]
    args = command.split()
    assert args[:3] == ["hotspotwatch", "report", "renewal"]
    assert "--until" in args and args[args.index("--until") + 1] == UNTIL.isoformat()
    copy = tmp_path / "copy"
    shutil.copytree(city, copy)
    out = tmp_path / "again.html"
    _cli(*args[1:], "-w", str(copy), "-o", str(out))
    assert _visible_numbers(out.read_text(encoding="utf-8")) == _visible_numbers(html)


def test_numbers_are_the_same_when_every_run_is_recomputed(city, report, tmp_path):
    from hotspotwatch.report.render import renewal_html
    from hotspotwatch.workflows.report import gather_renewal

    html, _ = report
    copy = tmp_path / "copy"
    shutil.copytree(city, copy)
    with Workspace.open(copy) as ws:
        data = gather_renewal(ws, until=UNTIL, recompute=True)
    again = renewal_html(data, lang="en", audience="council", fmt="html")
    assert _visible_numbers(again) == _visible_numbers(html)


def test_a_harm_weight_change_makes_the_evaluation_stale_and_the_report_recomputes(
    city, report, tmp_path
):
    copy = tmp_path / "copy"
    shutil.copytree(city, copy)
    cfg = copy / "hotspotwatch.toml"
    data = tomllib.loads(cfg.read_text(encoding="utf-8"))
    with Workspace.open(copy) as ws:
        before = renewal_specs(ws, until=UNTIL).evaluation
        assert ws.find_run(before.kind, before.parameters) is not None
        old = ws.find_run(before.kind, before.parameters).result
    text = cfg.read_text(encoding="utf-8")
    assert "[harm_weights]" not in text and data.get("harm_weights") is None
    cfg.write_text(text + "\n[harm_weights]\nrobbery = 9.0\n", encoding="utf-8")
    with Workspace.open(copy) as ws:
        spec = renewal_specs(ws, until=UNTIL).evaluation
        assert ws.find_run(spec.kind, spec.parameters) is None  # stale: config changed
    out = tmp_path / "new.html"
    _cli("report", "renewal", "-w", str(copy), "--until", UNTIL.isoformat(), "--format",
         "html", "-o", str(out))
    new_html = out.read_text(encoding="utf-8")
    with Workspace.open(copy) as ws:
        fresh = ws.find_run(spec.kind, spec.parameters)
        assert fresh is not None
        f = Fmt("en", Disclosure("council", ws.config.disclosure_k))
    assert _read(new_html).runs["evaluation"]["run"] == fresh.short_key
    changed = [
        (a.did.irr, b.did.irr) for a, b in zip(old.hotspots, fresh.result.hotspots, strict=True)
        if f.num(a.did.irr) != f.num(b.did.irr)
    ]
    assert changed, "a robbery weight of 9 must change a weighted evaluation"
    for h in fresh.result.hotspots:
        assert f'<td class="num">{f.num(h.did.irr)}</td>' in new_html


def test_two_buffer_widths_give_two_non_empty_rings_equal_to_the_evaluation(tmp_path):
    ws = make_city(tmp_path / "rings", config={"evaluation": {"buffer_widths": [250, 250]}},
                   seed=4)
    try:
        from hotspotwatch.analysis.evaluate.period_rates import place_rates
        from hotspotwatch.report.render import renewal_html
        from hotspotwatch.workflows.report import gather_renewal

        data = gather_renewal(ws, until=UNTIL)
        html = renewal_html(data, lang="en", audience="council")
        f = Fmt("en", Disclosure("council", ws.config.disclosure_k))
        evaluated = [s for s in data.hotspots if s.evaluation is not None]
        assert evaluated
        for sec in evaluated:
            rings = sec.evaluation.rings
            rates = place_rates(sec.evaluation)
            assert [(r.inner_m, r.outer_m) for r in rings] == [(0, 250), (250, 500)]
            assert len(sec.rings) == 2
            for ring, geom in zip(rings, sec.rings, strict=True):
                assert not geom.is_empty and geom.area > 0
                assert ring.pre + ring.post > 0
                # the selection window's months are NaN (neither pre nor post)
                assert float(np.nansum(ring.counts)) == ring.pre + ring.post
                # per month, with the evaluation's own totals in brackets (issue 17: rates)
                row = (
                    f"<th>Ring {f.num(ring.inner_m, 0)}–{f.num(ring.outer_m, 0)} m</th>"
                    f'<td class="num"><span class="rate">{f.num(ring.pre / rates.pre_months, 1)}</span> '
                    f'<span class="total">(<span class="count">{f.count(ring.pre)}</span>)</span></td>'
                    f'<td class="num"><span class="rate">{f.num(ring.post / rates.post_months, 1)}</span> '
                    f'<span class="total">(<span class="count">{f.count(ring.post)}</span>)</span></td>'
                )
                assert row in html.replace("\n", "").replace("  ", ""), row
    finally:
        ws.close()
