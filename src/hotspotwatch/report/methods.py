"""The closing pages' context: the runs behind each section, data quality, reproducibility.

The runs table lists, for every section, the stored run it shows: its short key (the first
12 hex digits of the run key), kind, every parameter, the data and config fingerprints, the
software version and the day it was computed (ISO). The printed command rebuilds the report
from the same runs (reused when stored, recomputed otherwise: the numbers are the same).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from hotspotwatch.i18n import translate
from hotspotwatch.report import figures
from hotspotwatch.report.context import data_uri
from hotspotwatch.report.fmt import Fmt

if TYPE_CHECKING:
    from hotspotwatch.report.data import RenewalData

_PRECISION = re.compile(r"known only to the (hour|day|month)\b")


def unavailable_reason(data: RenewalData, section: str, f: Fmt) -> str:
    """Why ``section`` shows no run, in the reader's language.

    The kind of the reason (:attr:`RenewalData.unavailable_kind`) is worded in the language
    (for a precision refusal, with the precision the refusal names); the reason itself (the
    analysis's own one-line message) follows as the technical detail.
    """
    detail = data.unavailable.get(section)
    if detail is None:
        return f.t("report.runs.unavailable", reason="–")
    kind = data.unavailable_kind.get(section, "data")
    reason = f.t(f"report.runs.reason.{kind}")
    if kind == "precision":
        m = _PRECISION.search(detail)
        if m:
            extent = f.t(f"report.runs.reason.precision_extent.{m.group(1)}")
            reason = f.t("report.runs.reason.precision_known", extent=extent)
    return (
        f.t("report.runs.unavailable", reason=reason)
        + " "
        + f.t("report.runs.reason.detail", detail=detail)
    )


def missing_by_source(data: RenewalData, f: Fmt) -> list[str]:
    """One line per source with the calendar months it does not cover (the evaluation's
    ``coverage.missing()``: missing, not zero, left out of every comparison)."""
    ev = data.evaluation
    if ev is None or ev.coverage is None:
        return []
    by_source: dict[str, list[Any]] = {}
    for source, month in ev.coverage.missing():
        by_source.setdefault(source, []).append(month)
    return [
        f.t(
            "report.runs.missing_source",
            source=source,
            months=f.listing(f.month_year(m) for m in sorted(months)),
        )
        for source, months in sorted(by_source.items())
    ]


def months_rule(data: RenewalData, f: Fmt) -> str | None:
    """The evaluation's months rule (anchored or calendar months) in words."""
    ev = data.evaluation
    if ev is None:
        return None
    precision = translate(f"spacetime.precision.{ev.time_precision}", f.lang)
    return translate(f"evaluate.months.{ev.period_rule}", f.lang, precision=precision)


SECTIONS = (
    "evaluation",
    "previous_evaluation",
    "knox",
    "concentration",
    "coverage",
    "borders",
    "gistar",
    "emerging",
    "incidents",
    "dose_presence",
    "dose_deterrence",
    "dose_cost",
    "dose_resources",
)


def _value(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def rebuild_command(data: RenewalData, *, lang: str, audience: str, fmt: str = "pdf") -> str:
    """The command that rebuilds this report (run in the workspace folder)."""
    return (
        f"hotspotwatch report renewal --until {data.until.isoformat()} "
        f"--lang {lang} --audience {audience} --format {fmt}"
    )


def methods_context(
    data: RenewalData, f: Fmt, audience: str, fmt: str = "pdf"
) -> dict[str, Any]:
    """Context of the runs table, the data-quality page and the reproducibility box."""
    t = f.t
    d = f.disclosure
    labels = {s: t(f"report.runs.section_{s}") for s in SECTIONS}
    runs = [
        {
            "section": r.section,
            "label": labels.get(r.section, r.section),
            "short_key": r.short_key,
            "kind": r.kind,
            "parameters": [(k, _value(v)) for k, v in sorted(r.parameters.items())],
            "data_fp": r.data_fingerprint[:12],
            "config_fp": r.config_fingerprint[:12],
            "version": r.software_version,
            "created": r.created.isoformat(),
        }
        for r in sorted(data.runs, key=lambda r: SECTIONS.index(r.section)
                        if r.section in SECTIONS else len(SECTIONS))
    ]
    unavailable = {s: unavailable_reason(data, s, f) for s in SECTIONS}
    quarantine = [
        {
            "source": r.source,
            "files": r.files,
            "imports": r.imports,
            "read": f.count(r.read),
            "stored": f.count(r.stored),
            "quarantined": f.count(r.quarantined),
            "share": (f.num(100.0 * r.quarantined / r.read, 1) + "\u00a0%")
            if r.read and not d.suppressed(r.quarantined)
            else "–",
            "reasons": f.t("common.separator").join(
                f"{reason} ({f.count(n)})" for reason, n in r.reasons
            )
            or "–",
        }
        for r in data.quarantine
    ]
    cov = data.data_coverage
    coverage_png = None
    empty_months = 0
    if not cov.empty:
        coverage_png = data_uri(
            figures.coverage_chart(
                table=np.asarray(cov.counts, dtype=float),
                rows=list(cov.zones),
                columns=[m.strftime("%Y-%m") for m in cov.months],
                disclosure=d,
                labels={"relative": t("report.quality.relative")},
            )
        )
        empty_months = int(np.sum(np.asarray(cov.counts) == 0))
    params = data.evaluation.parameters if data.evaluation else {}
    pre = params.get("pre_months")
    window = params.get("selection_window_months", 0)
    min_post = params.get("min_post_months")
    max_mdr = params.get("max_mdr")
    return {
        "runs": runs,
        "section_labels": labels,
        "unavailable": unavailable,
        "unavailable_runs": [(s, unavailable[s]) for s in SECTIONS if s in data.unavailable],
        "missing_by_source": missing_by_source(data, f),
        "months_rule": months_rule(data, f),
        "descriptive_text": t(
            "report.methods.descriptive",
            m=f.num(data.display.get("map_cell_m", 100), 0),
            r=f.num(data.display.get("region_cell_m", 500), 0),
        ),
        "pre_months_text": f.months(float(pre)) if pre is not None else "–",
        "window_text": f.months(float(window or 0)),
        "verdicts_text": t(
            "report.methods.verdicts",
            alpha=f.num(params.get("alpha", 0.05)),
            min_post=f.months(float(min_post)) if min_post is not None else "–",
            max_pct=f.pct(100 * float(max_mdr)) if max_mdr is not None else "–",
        ),
        "quarantine": quarantine,
        "coverage_map": coverage_png,
        "empty_months": empty_months,
        "fingerprint": data.fingerprint,
        "config_fingerprint": data.config_fingerprint,
        "software_version": data.software_version,
        "generated_iso": data.generated.isoformat(),
        "command": rebuild_command(data, lang=f.lang, audience=audience, fmt=fmt),
    }


__all__ = [
    "SECTIONS",
    "methods_context",
    "missing_by_source",
    "months_rule",
    "rebuild_command",
    "unavailable_reason",
]
