"""Progress of the evaluation (per hotspot) and of the renewal report (per section's run,
then per page): the workflows call ``progress(done, total)``, the CLI draws a bar on a
terminal only, never with ``--json`` nor when standard error is not a terminal (issue 14,
item 9)."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from hotspotwatch import Workspace
from hotspotwatch.cli.main import app
from hotspotwatch.testing import make_city

runner = CliRunner()


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))

    def check(self, total: int) -> None:
        assert self.calls, "never called"
        done = [d for d, _ in self.calls]
        assert {t for _, t in self.calls} == {total}
        assert all(b > a for a, b in itertools.pairwise(done)), done
        assert done[-1] == total


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = make_city(tmp_path_factory.mktemp("progress") / "c", seed=5, scale=0.3, n_hotspots=3)
    yield ws
    ws.close()


@pytest.fixture()
def terminal_stderr(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Standard error seen as a terminal (Rich console on a buffer), bars without delay."""
    from hotspotwatch.cli import _common, _progress

    buf = io.StringIO()
    monkeypatch.setattr(_common, "err_console", Console(file=buf, force_terminal=True, width=100))
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    return buf


def test_evaluation_calls_progress_once_per_hotspot_and_gives_the_same_result(
        city: Workspace) -> None:
    from hotspotwatch.workflows.evaluate import evaluate_strategy

    rec = Recorder()
    res = evaluate_strategy(city, record=False, progress=rec)
    assert rec.calls == [(1, 3), (2, 3), (3, 3)]
    ref = evaluate_strategy(city, record=False)
    assert json.dumps(res.to_dict(), default=str) == json.dumps(ref.to_dict(), default=str)


def test_report_calls_progress_per_section_and_per_page(city: Workspace, tmp_path: Path) -> None:
    from hotspotwatch.report.render import render_parts, renewal_html
    from hotspotwatch.workflows.report import build_renewal_report, gather_renewal
    from hotspotwatch.workflows.report_counts import default_until
    from hotspotwatch.workflows.views import renewal_specs

    rec = Recorder()
    data = gather_renewal(city, progress=rec)
    sections = len(list(renewal_specs(city, until=default_until(city)).items()))
    rec.check(sections + 2)  # each section's run, the previous review, the pages' inputs
    assert len(rec.calls) == sections + 2
    pages = Recorder()
    html = renewal_html(data, lang="en", progress=pages)
    assert pages.calls == [(k, 3 + 3) for k in range(1, 7)]  # 3 hotspots, summary, region, methods
    assert html == renewal_html(data, lang="en")
    assert render_parts(data, "pdf") == render_parts(data, "html") + 1
    built = Recorder()
    out = build_renewal_report(city, fmt="html", output=tmp_path / "r.html", data=data,
                               progress=built)
    assert out.exists() and built.calls == pages.calls


def test_pdf_is_the_last_part(city: Workspace, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    from hotspotwatch.report import render
    from hotspotwatch.workflows.report import gather_renewal

    written: list[Path] = []

    def fake_pdf(html: str, output: Path) -> Path:  # WeasyPrint is slow; the count is the point
        output.write_bytes(b"%PDF-1.7")
        written.append(output)
        return output

    monkeypatch.setattr(render, "html_to_pdf", fake_pdf)
    rec = Recorder()
    render.render_renewal(gather_renewal(city), lang="en", fmt="pdf", audience="council",
                          output=tmp_path / "r.pdf", progress=rec)
    assert written and rec.calls == [(k, 7) for k in range(1, 8)]  # 3 pages + 3 parts + PDF


def test_cli_prints_no_progress_when_not_a_terminal(city: Workspace, tmp_path: Path) -> None:
    res = runner.invoke(app, ["evaluate", "-w", str(city.path)])
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    res = runner.invoke(app, ["report", "renewal", "-w", str(city.path), "--format", "html",
                              "-o", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    assert "renewal report:" not in res.stdout


def test_cli_bars_on_a_terminal_and_none_with_json(city: Workspace, tmp_path: Path,
                                                  terminal_stderr: io.StringIO) -> None:
    res = runner.invoke(app, ["evaluate", "-w", str(city.path)])
    assert res.exit_code == 0, res.output
    drawn = terminal_stderr.getvalue()
    assert "evaluation (hotspots)" in drawn and "3/3" in drawn
    assert "evaluation (hotspots)" not in res.stdout
    terminal_stderr.truncate(0)
    terminal_stderr.seek(0)
    res = runner.invoke(app, ["evaluate", "-w", str(city.path), "--json"])
    assert res.exit_code == 0, res.output
    json.loads(res.stdout)
    assert terminal_stderr.getvalue() == ""
    res = runner.invoke(app, ["report", "renewal", "-w", str(city.path), "--format", "html",
                              "-o", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    drawn = terminal_stderr.getvalue()
    assert "renewal report: runs" in drawn and "renewal report: pages" in drawn
    assert "6/6" in drawn  # three hotspot pages, the summary, the regional picture, methods
