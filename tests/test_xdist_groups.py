"""`make test` runs ``pytest -n 2 --dist loadgroup``: tests of one ``xdist_group`` share a worker.

The expensive fixtures (the Brussels scenario, the demo, the second city, QGIS) are built once
because their tests are grouped. pytest 9.2 with pytest-xdist 3.8 silently ignored the groups:
each worker built them again (about 4 min more on a 2-core machine). pyproject.toml keeps
pytest below 9; this test fails under ``make test`` if the groups are ignored again.
"""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.xdist_group("xdist-probe")


def test_a_grouped_test_runs_under_its_group(request: pytest.FixtureRequest) -> None:
    # a worker's own "dist" option is "no"; the controller's arguments say how it was run
    args = " ".join(request.config.invocation_params.args)
    loadgroup = "--dist loadgroup" in args or "--dist=loadgroup" in args
    if os.environ.get("PYTEST_XDIST_WORKER") and loadgroup:
        assert request.node.nodeid.endswith("@xdist-probe"), (
            f"{request.node.nodeid}: xdist_group ignored under --dist loadgroup; is pytest >= 9 "
            "installed? (pyproject.toml: pytest<9)"
        )
    else:  # run alone or without loadgroup: no group applies, the id is the plain one
        assert request.node.nodeid.endswith("test_a_grouped_test_runs_under_its_group")
