"""The renewal report's "recent incidents in context": the stored run of the report's own
spec, its sentence on the summary page (council), its row on the runs page, left out of the
public version."""

from __future__ import annotations

import html

import pytest

from hotspotwatch.i18n.incidents import incidents_heading, incidents_text
from hotspotwatch.workflows.incidents import report_incidents_spec, report_window
from hotspotwatch.workflows.report import build_renewal_report, gather_renewal

from .conftest import UNTIL

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data(renewal_workspace):
    return gather_renewal(renewal_workspace, until=UNTIL)


def _html(ws, data, tmp_path, lang, audience):
    path = build_renewal_report(
        ws,
        lang=lang,
        audience=audience,
        fmt="html",
        output=tmp_path / f"{lang}-{audience}.html",
        data=data,
    )
    return html.unescape(path.read_text(encoding="utf-8"))


def test_the_report_shows_the_run_of_its_own_spec(renewal_workspace, data):
    spec = report_incidents_spec(renewal_workspace, until=UNTIL)
    assert spec is not None
    run = renewal_workspace.find_run(spec.kind, spec.parameters)
    assert run is not None and data.incidents is not None
    assert run.result.to_dict() == data.incidents.to_dict()
    start, end = report_window(UNTIL)
    assert (spec.parameters["start"], spec.parameters["end"]) == (
        start.isoformat(),
        end.isoformat(),
    )
    assert spec.parameters["category"] == "shooting"  # the default: shooting is in the taxonomy
    assert spec.parameters["model_until"] == UNTIL.isoformat()  # the report's evaluation
    record = data.run("incidents")
    assert record is not None and record.key == run.key


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_council_summary_prints_the_sentence_and_states_its_window(
    renewal_workspace, data, tmp_path, lang
):
    text = _html(renewal_workspace, data, tmp_path, lang, "council")
    assert incidents_text(data.incidents, lang) in text
    assert incidents_heading(data.incidents, lang) in text
    summary = text[: text.index('class="page hotspot"')]
    assert incidents_text(data.incidents, lang) in summary


def test_public_version_leaves_it_out(renewal_workspace, data, tmp_path):
    text = _html(renewal_workspace, data, tmp_path, "en", "public")
    assert incidents_text(data.incidents, "en") not in text
    assert "recent incidents in context" not in text.split("The runs behind")[0].lower()
