"""Renewal report benchmark: the full Brussels demo report, one language, PDF (target < 60 s).

Run: ``.venv/bin/python bench/report.py`` → ``bench/results/report.json``.

Setup (not timed): the Brussels scenario at scale 1 (about 98 700 events, 17 hotspots), the
evaluation, designation coverage, concentration, border view, Knox near-repeat test and
emerging hot spots, as ``hotspotwatch demo`` runs them. Timed: gathering the report's inputs
from the workspace, then building the council report in English as PDF (figures, HTML,
WeasyPrint), wall clock and CPU. The ratio column compares each phase with the whole build;
``target_ratio`` is the build time over the 60 s target (must be < 1). A second language
reuses the gathered inputs (``data=``), as the demo does, and is timed too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import pypdf

from hotspotwatch import Workspace, __version__


def setup(folder: Path) -> Workspace:
    from hotspotwatch.workflows import detect as wd
    from hotspotwatch.workflows.demo import run_knox_shootings
    from hotspotwatch.workflows.evaluate import evaluate_strategy
    from hotspotwatch.workflows.scenario import load_brussels
    from hotspotwatch.workflows.spacetime import run_emerging

    ws = Workspace.create(folder / "ws", name="Brussels-Capital Region")
    load_brussels(ws, scale=1.0)
    evaluate_strategy(ws, outcome="harm", seed=1)
    first = min(p.start for ps in ws.hotspot_periods().values() for p in ps)
    post = wd.EventFilter(roles=("harm",), start=first, end=dt.date(2026, 1, 1))
    wd.coverage(ws, wd.EventFilter(roles=("harm",)), pre_months=12)
    wd.concentration(ws, post)
    wd.borders(ws, post, distance=200.0)
    run_knox_shootings(ws, seed=1)
    run_emerging(ws, roles=["harm"], cell_size=250.0, step="quarter", start=dt.date(2023, 1, 1))
    return ws


def timed(fn):  # type: ignore[no-untyped-def]
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    from hotspotwatch.report.builders import html_to_pdf, renewal_html
    from hotspotwatch.workflows.report import build_renewal_report, gather_renewal

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ws, setup_s, _ = timed(lambda: setup(folder))
        data, gather_s, gather_cpu = timed(lambda: gather_renewal(ws))
        html, html_s, html_cpu = timed(lambda: renewal_html(data, lang="en", audience="council"))
        _pdf, pdf_s, pdf_cpu = timed(lambda: html_to_pdf(html, folder / "phases.pdf"))
        # The end-to-end call the CLI makes (gathering included), fresh.
        out, total_s, total_cpu = timed(
            lambda: build_renewal_report(ws, lang="en", fmt="pdf", audience="council", output=folder / "en.pdf")
        )
        pages = len(pypdf.PdfReader(out).pages)
        _, second_s, second_cpu = timed(
            lambda: build_renewal_report(ws, lang="fr", fmt="pdf", audience="public", output=folder / "fr.pdf", data=data)
        )
        n_events = ws.count_events()
        n_hotspots = len(ws.hotspots())
        ws.close()
    phases = gather_s + html_s + pdf_s
    result = {
        "benchmark": "renewal report: full Brussels demo, 17 hotspots, one language, PDF",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "hotspotwatch": __version__,
        "events": n_events,
        "hotspots": n_hotspots,
        "pages": pages,
        "setup_seconds_untimed": round(setup_s, 1),
        "build_seconds": round(total_s, 2),
        "build_cpu_seconds": round(total_cpu, 2),
        "target_seconds": 60.0,
        "target_ratio": round(total_s / 60.0, 3),
        "meets_target": total_s < 60.0,
        "phases": {
            "gather": {"seconds": round(gather_s, 2), "cpu_seconds": round(gather_cpu, 2), "ratio": round(gather_s / phases, 3)},
            "figures_and_html": {"seconds": round(html_s, 2), "cpu_seconds": round(html_cpu, 2), "ratio": round(html_s / phases, 3)},
            "weasyprint_pdf": {"seconds": round(pdf_s, 2), "cpu_seconds": round(pdf_cpu, 2), "ratio": round(pdf_s / phases, 3)},
        },
        "second_language_with_gathered_inputs": {"seconds": round(second_s, 2), "cpu_seconds": round(second_cpu, 2),
                                                 "ratio_to_first": round(second_s / total_s, 3)},
        "load_average_at_end": os.getloadavg()[0],
    }
    path = Path(__file__).parent / "results" / "report.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
