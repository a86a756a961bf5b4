"""docs/walkthrough.ipynb runs from top to bottom in a fresh kernel of this Python, and its
outputs are the tables, figures and map the text promises. The committed file has no outputs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import NATIVE_KERNEL_NAME
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "walkthrough.ipynb"


def test_the_committed_notebook_is_stripped() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


@pytest.mark.slow
def test_the_walkthrough_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the kernel is this interpreter (ipykernel's native spec = sys.executable) with this source
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # which interpreter the kernel runs (jupyter_client maps the spec's "python" to ours)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client = NotebookClient(nb, kernel_name=NATIVE_KERNEL_NAME, timeout=300,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError naming the cell on any error
    assert nb.cells[-1].outputs[0]["text"].strip() == sys.executable
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    pngs = [o for o in outputs if "image/png" in o.get("data", {})]
    assert sum("<table" in h for h in html) >= 6  # workspace, Gi*, cells, concentration, Knox, evaluation...
    assert any("leaflet" in h.lower() for h in html)  # the explore() map
    assert len(pngs) >= 6  # Gi*, KDE, Lorenz, Knox, forest plot, one place
    assert any("Strategy evaluation" in h for h in html)
    assert any("spacetime.knox" in h and "evaluate" in h for h in html)  # runs listed at the end
