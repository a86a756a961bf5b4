"""The report tests' synthetic Brussels workspace, for the rendered-vocabulary checks.

Loaded from tests/report/conftest.py by path (the test folders are not packages), so that the
report and the dashboard are read on the same workspace the report tests use.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "_hw_report_conftest", Path(__file__).parents[1] / "report" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_report)

renewal_workspace = _report.renewal_workspace
UNTIL = _report.UNTIL
