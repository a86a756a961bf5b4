"""``hotspotwatch report renewal`` on the synthetic workspace."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hotspotwatch.cli.main import app

from .conftest import UNTIL

runner = CliRunner()


@pytest.mark.slow
def test_report_renewal_writes_a_public_dutch_html_report(renewal_workspace, tmp_path):
    out = tmp_path / "r.html"
    res = runner.invoke(
        app,
        [
            "report",
            "renewal",
            "-w",
            str(renewal_workspace.path),
            "--until",
            "2025-08-31",
            "--lang",
            "nl",
            "--format",
            "html",
            "--audience",
            "public",
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    # The command names each section's run by its short key.
    from hotspotwatch.workflows.views import renewal_specs

    for section, spec in renewal_specs(renewal_workspace, until=UNTIL).items():
        run = renewal_workspace.find_run(spec.kind, spec.parameters)
        assert run is not None and f"{section}" in res.output and run.short_key in res.output
    html = out.read_text(encoding="utf-8")
    assert "Publieke versie" in html and 'lang="nl"' in html
    assert "Clemenceau" in html


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--lang", "de", "lang"),
        ("--format", "docx", "format"),
        ("--audience", "press", "audience"),
        ("--until", "yesterday", "--until"),
    ],
)
def test_report_renewal_rejects_bad_options_with_exit_2(tmp_path, option, value, message):
    res = runner.invoke(app, ["report", "renewal", "-w", str(tmp_path), option, value])
    assert res.exit_code == 2
    assert message in res.output
