"""Lay out the renewal report (kept for existing imports).

The report is built in three layers, none of which reaches the store or the workflows:

- :mod:`hotspotwatch.report.data`: what the report shows (:class:`RenewalData`), gathered
  by :func:`hotspotwatch.workflows.report.gather_renewal` from typed stored runs;
- :mod:`hotspotwatch.report.context` (summary, hotspot pages), :mod:`~hotspotwatch.report.regional`
  and :mod:`~hotspotwatch.report.methods`: words and formatted numbers, no counting;
- :mod:`hotspotwatch.report.render`: HTML (Jinja2) and PDF (WeasyPrint).
"""

from __future__ import annotations

from hotspotwatch.report.fmt import FORMATS, Fmt, check_format, check_lang
from hotspotwatch.report.render import html_to_pdf, render_renewal, renewal_html

__all__ = [
    "FORMATS",
    "Fmt",
    "check_format",
    "check_lang",
    "html_to_pdf",
    "render_renewal",
    "renewal_html",
]
