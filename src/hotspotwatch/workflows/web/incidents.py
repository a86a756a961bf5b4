"""The dashboard's "recent incidents in context" (strategy page): the report's own run.

The strategy page shows the incidents run of the renewal report for the dashboard's review
day (:func:`hotspotwatch.workflows.incidents.report_incidents_spec`: ``[report]
incident_category``, default shooting or the most severe harm category, in the last whole
calendar month up to the review day), through the same cached
:func:`~hotspotwatch.workflows.web.runs.view_run`: the page and the report print the same
sentence for the same review day.

Roles without event access get the counts under the disclosure rule: when ``n``, ``k`` or
``n - k`` is below ``disclosure_k`` the counts, the probability and the sentence
are withheld (``suppressed``) and a sentence says why (zero included, as everywhere).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hotspotwatch.i18n import translate
from hotspotwatch.workflows.web.cache import memoised
from hotspotwatch.workflows.web.runs import NotComputedError, _until, provenance, view_run

if TYPE_CHECKING:
    from hotspotwatch.workspace import Workspace


@memoised
def incidents_view(ws: Workspace, *, lang: str = "en", event_access: bool = True) -> dict[str, Any]:
    """``/results/incidents``: the run's provenance, its result and its sentence in ``lang``.

    Raises
    ------
    NotComputedError
        No review day (no data), no harm category, or the run cannot be computed.
    """
    from hotspotwatch.domain.disclosure import is_suppressed
    from hotspotwatch.i18n.incidents import incidents_text, window_text
    from hotspotwatch.workflows.incidents import report_incidents_spec

    until = _until(ws, None)
    spec = report_incidents_spec(ws, until=until)
    if spec is None:
        raise NotComputedError("the workspace taxonomy has no harm category")
    run = view_run(ws, spec)
    result = run.result
    out: dict[str, Any] = {
        **provenance(run),
        "result": result.to_dict(),
        "review_day": until.isoformat(),
        "text": incidents_text(result, lang, taxonomy=ws.taxonomy),
        "window_text": window_text(result, until, lang, taxonomy=ws.taxonomy),
        "suppressed": False,
    }
    k_disc = int(ws.config.disclosure_k)
    if not event_access and any(
        is_suppressed(v, k_disc) for v in (result.n, result.k, result.n - result.k)
    ):
        out["suppressed"] = True
        out["text"] = translate("incidents.suppressed", lang, k=k_disc)
        for key in ("n", "k", "p_value", "p_value_model", "expected_k"):
            out["result"][key] = None
    return out


__all__ = ["incidents_view"]
