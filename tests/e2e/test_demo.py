"""`hotspotwatch demo` end to end: the main job leaves what the README promises.

Runs the real command (in-process, ``--no-serve --json``) at scale 1 with the default seed, then
reads back the workspace, the evaluation, the truth and the reports in all three languages
and both audiences.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    folder = tmp_path_factory.mktemp("demo") / "demo"
    res = CliRunner().invoke(app, ["demo", str(folder), "--no-serve", "--json"])
    assert res.exit_code == 0, res.output
    return folder, json.loads(res.stdout)


def test_every_step_succeeds_and_outputs_exist(demo: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    folder, summary = demo
    steps = {s["name"]: s for s in summary["steps"]}
    assert list(steps) == ["load", "detect", "spacetime", "evaluate", "dose", "report", "users"]
    failed = {k: v["error"] for k, v in steps.items() if not v["ok"]}
    assert failed == {}
    for step in steps.values():
        for out in step["outputs"]:
            assert Path(out).exists(), out
    assert (folder / "truth.json").exists() and (folder / "demo-login.txt").exists()


def test_simulated_resources_are_imported_and_costed(demo: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    """The resource records go through ``import resources`` like any source; truth.json
    holds their totals; the dose step says each place's cost per harm prevented."""
    import pandas as pd

    folder, summary = demo
    dose = next(s for s in summary["steps"] if s["name"] == "dose")
    csv = next(Path(o) for o in dose["outputs"] if o.endswith("resources.csv"))
    records = pd.read_csv(csv)
    truth = json.loads((folder / "truth.json").read_text())["resources"]
    assert truth["records"] == len(records) and set(records["source"]) == {"simulated"}
    assert truth["cost_eur"] == pytest.approx(records["cost"].sum(), abs=0.05)
    assert truth["staff_hours"] == pytest.approx(records["staff_hours"].sum(), abs=0.5)
    with Workspace.open(folder / "workspace") as ws:
        from hotspotwatch.workflows.resources import resource_frame

        stored = resource_frame(ws)
    assert len(stored) == len(records) and bool(stored["simulated"].all())
    lines = [ln for ln in dose["lines"] if ln.startswith("cost per harm prevented")]
    places = {h["name"] for h in json.loads((folder / "evaluation.json").read_text())["hotspots"]}
    assert len(lines) == len(places) + 1
    ranged = re.compile(r"€[\d,]+–€[\d,]+$")
    for ln in lines:
        assert (
            ranged.search(ln)
            or ln.endswith("cannot be computed: no detectable effect")
            or (ln.endswith(("harm increased", "no cost recorded")))
        ), ln


def test_workspace_reads_back_zones_hotspots_and_roles(demo: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    _, summary = demo
    with Workspace.open(summary["workspace"]) as ws:
        assert len(ws.areas("police_zone")) == 6
        names = set(ws.hotspots()["name"])
        assert len(names) >= 15 and {"Clemenceau", "Peterbos"} <= names
        ev = ws.events()
        assert set(ev["role"]) == {"harm", "enforcement", "prevention"}
        infos = ws.run_infos()
        kinds = {info.kind for info in infos}
        # every stored run is typed and keyed (nothing legacy, nothing unkeyed)
        assert infos and all(info.key and info.schema_version for info in infos)
    assert {
        "evaluate",
        "detect.coverage",
        "detect.gistar",
        "spacetime.knox",
        "spacetime.emerging",
        "spacetime.alerts",
    } <= kinds


def test_evaluation_json_has_the_issue_shape(demo: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    folder, _ = demo
    data = json.loads((folder / "evaluation.json").read_text())
    keys = {
        "name",
        "outcome",
        "irr",
        "ci_low",
        "ci_high",
        "p_value",
        "wdq",
        "wdd",
        "min_detectable_ratio",
        "verdict",
        "ci_low_adjusted",
        "ci_high_adjusted",
        "near_threshold",
    }
    assert len(data["hotspots"]) == 17
    for row in data["hotspots"]:
        assert keys <= set(row)
        assert row["verdict"] in {
            "reduction",
            "no_detectable_change",
            "increase",
            "too_early",
            "uncertain",
        }
        assert row["ci_low_adjusted"] <= row["ci_low"] <= row["ci_high"] <= row["ci_high_adjusted"]
    # Marbotin, designated a month before the end of the data, is too early to judge
    marbotin = next(r for r in data["hotspots"] if r["name"] == "Marbotin")
    assert marbotin["verdict"] == "too_early" and marbotin["verdict_reason"] == "post_months"
    assert {"irr", "ci_low", "ci_high", "i2"} <= set(data["pooled"])
    truth = json.loads((folder / "truth.json").read_text())
    assert data["pooled"]["ci_low"] <= truth["strategy_harm_irr"] <= data["pooled"]["ci_high"]


def test_reports_in_three_languages_and_two_audiences_carry_the_pooled_estimate(
    demo: tuple[Path, dict],  # type: ignore[type-arg]
) -> None:
    folder, summary = demo
    reports = Path(summary["workspace"]) / "reports"
    body = json.loads((folder / "evaluation.json").read_text())["pooled"]
    pooled = body["irr"]
    for audience, sub in (("council", reports), ("public", reports / "public")):
        for lang in ("en", "fr", "nl"):
            pdf = sub / f"renewal-{audience}-{lang}.pdf"
            text = "".join(page.extract_text() or "" for page in PdfReader(pdf).pages[:1])
            if audience == "council":
                shown = f"{pooled:.2f}" if lang == "en" else f"{pooled:.2f}".replace(".", ",")
            else:  # plain words (issue 17): the pooled interval as whole percentages
                shown = f"{100 * (1 - body['ci_high']):.0f}\u00a0%"
            assert shown in text.replace(" %", "\u00a0%"), (pdf.name, shown)
            assert "Clemenceau" in "".join(p.extract_text() or "" for p in PdfReader(pdf).pages)
    public = "".join(
        p.extract_text() or ""
        for p in PdfReader(reports / "public" / "renewal-public-en.pdf").pages
    )
    # No exact coordinates or event-level detail in the public report.
    assert not re.search(r"\b50\.\d{4,}\b", public)


def test_reports_show_presence_the_koper_curve_and_cost_per_place(
    demo: tuple[Path, dict],  # type: ignore[type-arg]
) -> None:
    """Issue 18: the council report's dose page (activity, not results) with the Koper curve
    and a cost per harm prevented for every place; the public one only the strategy's totals."""
    folder, summary = demo
    reports = Path(summary["workspace"]) / "reports"
    truth = json.loads((folder / "truth.json").read_text())
    council = " ".join(
        (p.extract_text() or "") for p in PdfReader(reports / "renewal-council-en.pdf").pages
    )
    flat = re.sub(r"\s+", " ", council)
    assert "Presence and cost of the strategy" in flat and "ACTIVITY, NOT RESULTS" in flat.upper()
    planted = int(truth["presence"]["threshold_minutes"])
    assert f"Sessions longer than {planted} min " in flat  # the demo's Koper curve tells
    ws = Workspace.open(summary["workspace"])
    try:
        names = [str(n) for n in ws.hotspots()["name"]]
    finally:
        ws.close()
    dose_page = flat[flat.index("Presence and cost by place") :]
    squeezed = re.sub(r"[\s\u2010-]", "", dose_page)  # names wrap (and hyphenate) in cells
    for name in names:
        assert re.sub(r"[\s\u2010-]", "", name) in squeezed, name
    assert "Cost per harm prevented" in dose_page
    public = re.sub(
        r"\s+",
        " ",
        " ".join(
            (p.extract_text() or "")
            for p in PdfReader(reports / "public" / "renewal-public-en.pdf").pages
        ),
    )
    assert "Presence and cost by place" not in public
