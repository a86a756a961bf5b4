"""Issue 15, High 1 and 2: differencing attacks on the public and partner grids fail.

Each test plays the attack with the published values only (what an attacker has) and
checks that no published value minus other published values gives a hidden count, or a sum
of hidden counts, between 1 and k - 1. Where the attack is only meaningful if the naive rule
(hide each count below k, nothing more) leaks on this fixture, that is checked first, so
the test could fail.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.optimize import linprog

from hotspotwatch.domain.disclosure import protect_table
from hotspotwatch.workflows import audit as audit_wf

from .conftest import ZONES, WebEnv

YEARS = (2023, 2024)


@pytest.fixture
def dense(web: WebEnv) -> WebEnv:
    """The web fixture plus 1,500 assaults spread over the region in 2023-2024: about three
    per 500 m cell and year, the counts where hiding below k alone leaks."""
    rng = np.random.default_rng(11)
    n = 1500
    start = pd.Timestamp("2023-01-03", tz="UTC").value
    stop = pd.Timestamp("2024-12-28", tz="UTC").value
    web.ws.add_events(
        pd.DataFrame(
            {
                "source_id": [f"d{i}" for i in range(n)],
                "occurred_at": pd.to_datetime(rng.integers(start, stop, n), utc=True),
                "x": rng.uniform(645010, 652990, n),
                "y": rng.uniform(665010, 672990, n),
                "category": "assault",
            }
        ),
        source="dense",
    )
    return web


def _leaks(remainder: float, k: int) -> bool:
    return 1 <= remainder < k


def _layers(web: WebEnv, path: str, headers: dict[str, str] | None = None) -> dict[Any, list]:
    out = {}
    for year in (None, *YEARS):
        q = f"?year={year}" if year else ""
        sep = "&" if "?" in path else "?"
        r = web.client.get(path + (q.replace("?", sep) if q else ""), headers=headers or {})
        assert r.status_code == 200, r.text
        out[year] = [f["properties"]["count"] for f in r.json()["features"]]
    return out


def _truth(web: WebEnv, role: str = "harm") -> dict[tuple[int, int], dict[int, int]]:
    """Independent count: events of ``role`` per 500 m cell and local calendar year."""
    ev = web.ws.events(roles=role)  # type: ignore[arg-type]
    years = ev["occurred_at"].dt.tz_convert(web.ws.config.timezone).dt.year
    cells: dict[tuple[int, int], dict[int, int]] = {}
    for x, y, yr in zip(ev["x"], ev["y"], years, strict=True):
        d = cells.setdefault((int(x // 500), int(y // 500)), {})
        d[int(yr)] = d.get(int(yr), 0) + 1
    return cells


def test_the_naive_rule_would_leak_on_this_fixture(dense: WebEnv) -> None:
    web = dense
    """All years minus each year, with only primary suppression, reveals hidden counts."""
    k = web.ws.config.disclosure_k
    leaks = 0
    for per_year in _truth(web).values():
        total = sum(per_year.values())
        if total < k:
            continue
        visible = sum(v for v in per_year.values() if v >= k)
        leaks += _leaks(total - visible, k)
    assert leaks > 0


def test_public_grid_all_years_minus_each_year_reveals_nothing(dense: WebEnv) -> None:
    web = dense
    k = web.ws.config.disclosure_k
    layers = _layers(web, "/api/v1/public/grid")
    n_hidden_total = 0
    for i, total in enumerate(layers[None]):
        if total is None:
            n_hidden_total += 1
            continue
        visible = sum(layers[y][i] or 0 for y in YEARS)
        assert not _leaks(total - visible, k), (i, total, [layers[y][i] for y in YEARS])
        # and with any subset of the visible years subtracted
        for y in YEARS:
            if layers[y][i] is not None:
                assert not _leaks(total - layers[y][i], k)
    assert n_hidden_total > 0  # complementary suppression did hide some totals
    # shown counts are true counts: nothing is perturbed, only hidden
    truth = _truth(web)
    shown = sorted(c for c in layers[None] if c is not None)
    assert set(shown) <= {sum(d.values()) for d in truth.values()}


def test_public_grid_against_the_public_monthly_series(dense: WebEnv) -> None:
    web = dense
    """A year's region-wide total (sum of its months) minus the year's shown cells, and the
    grand total minus the shown cell totals and the shown years of hidden-total cells."""
    k = web.ws.config.disclosure_k
    layers = _layers(web, "/api/v1/public/grid")
    monthly = web.client.get("/api/v1/public/monthly").json()
    by_year: dict[int, list[int | None]] = {}
    for m, c in zip(monthly["months"], monthly["counts"], strict=True):
        by_year.setdefault(int(m[:4]), []).append(c)
    for y in YEARS:
        if all(c is not None for c in by_year[y]):
            rest = sum(by_year[y]) - sum(c or 0 for c in layers[y])
            assert not _leaks(rest, k), (y, rest)
        else:  # a hidden month: the grid's year keeps a hidden cell too
            assert any(c is None for c in layers[y])
    if all(c is not None for c in monthly["counts"]):
        rest = sum(monthly["counts"]) - sum(c or 0 for c in layers[None])
        rest -= sum(
            layers[y][i] or 0 for i, t in enumerate(layers[None]) if t is None for y in YEARS
        )
        assert not _leaks(rest, k)


def _lp_pinned(layers: dict[Any, list], k: int, truth_of: dict[tuple[int, Any], int]) -> list:
    """Hidden counts in 1..k-1 whose value the published cells pin down exactly (LP bounds).

    Unknowns: every hidden year count and hidden total; constraints: each cell's total is
    the sum of its years; all unknowns >= 0. Bounds are those of the LP relaxation, so a
    count the LP cannot pin is not pinned by integer reasoning on these relations either
    only when the bounds differ by at least 1 (checked).
    """
    n = len(layers[None])
    var: dict[tuple[int, Any], int] = {}
    for i in range(n):
        for y in (None, *YEARS):
            if layers[y][i] is None:
                var[(i, y)] = len(var)
    a_eq, b_eq = [], []
    for i in range(n):
        row = np.zeros(len(var))
        rhs = 0.0
        for y in YEARS:
            if (i, y) in var:
                row[var[(i, y)]] += 1
            else:
                rhs -= layers[y][i]
        if (i, None) in var:
            row[var[(i, None)]] -= 1
        else:
            rhs += layers[None][i]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    pinned = []
    for key, j in var.items():
        value = truth_of.get(key, 0)
        if not (1 <= value < k):
            continue
        c = np.zeros(len(var))
        c[j] = 1
        lo = linprog(c, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None), method="highs")
        assert lo.status == 0
        upper = -hi.fun if hi.status == 0 else np.inf
        if upper - lo.fun < 1:
            pinned.append((key, value, lo.fun, upper))
    return pinned


def test_no_small_hidden_count_is_pinned_by_the_published_grid(dense: WebEnv) -> None:
    web = dense
    k = web.ws.config.disclosure_k
    layers = _layers(web, "/api/v1/public/grid")
    # the true values behind each published entry, in the API's cell order
    fc = web.client.get("/api/v1/public/grid").json()
    truth = _truth(web)
    truth_of: dict[tuple[int, Any], int] = {}
    for i, f in enumerate(fc["features"]):
        lon, lat = shapely.geometry.shape(f["geometry"]).centroid.coords[0]
        x, y = _to_ws(web, lon, lat)
        d = truth.get((int(x // 500), int(y // 500)), {})
        truth_of[(i, None)] = sum(d.values())
        for yr in YEARS:
            truth_of[(i, yr)] = d.get(yr, 0)
    assert any(1 <= v < k for v in truth_of.values())
    assert _lp_pinned(layers, k, truth_of) == []


def _to_ws(web: WebEnv, lon: float, lat: float) -> tuple[float, float]:
    from hotspotwatch.geo.crs import from_lonlat

    xs, ys = from_lonlat([lon], [lat], web.ws.config.crs)
    return float(xs[0]), float(ys[0])


@pytest.mark.parametrize(
    "query",
    [
        "cell_size=100",
        "cell_size=250",
        "cell_size=1000",
        "cell_size=499",
        "start=2023-01-01&end=2024-12-01",
        "start=2023-01-01&end=2024-12-02",
        "end=2024-06-01",
        "cell_size=500&start=2024-01-01",
    ],
)
@pytest.mark.parametrize("role", ["partner", "admin"])
def test_roles_without_event_access_get_403_for_any_other_partition(
    web: WebEnv, role: str, query: str
) -> None:
    r = web.client.get(f"/api/v1/grid?{query}", headers=web.auth(role))
    assert r.status_code == 403, r.text
    assert "fixed partition" in r.json()["detail"]
    assert audit_wf.entries(web.ws)[-1]["action"] == "access.denied"


@pytest.mark.parametrize("role", ["partner", "admin"])
def test_the_partner_grid_is_the_protected_partition(dense: WebEnv, role: str) -> None:
    web = dense
    """Harm: exactly the public grid (nothing more to difference against it); other roles
    of events: the same protection on their own table."""
    k = web.ws.config.disclosure_k
    assert _layers(web, "/api/v1/grid", web.auth(role)) == _layers(web, "/api/v1/public/grid")
    assert _layers(web, "/api/v1/grid?cell_size=500", web.auth(role))[2024] == _layers(
        web, "/api/v1/public/grid"
    )[2024]
    for event_role in ("enforcement", "prevention"):
        layers = _layers(web, f"/api/v1/grid?role={event_role}", web.auth(role))
        for i, total in enumerate(layers[None]):
            shown = [layers[y][i] for y in YEARS]
            assert all(c is None or c >= k for c in (total, *shown))
            if total is not None:
                assert not _leaks(total - sum(c or 0 for c in shown), k)


def test_protect_table_holds_its_criterion_on_random_tables() -> None:
    rng = np.random.default_rng(3)
    k = 5
    for _ in range(300):
        n, m = rng.integers(1, 12), rng.integers(1, 5)
        table = rng.poisson(rng.uniform(0.5, 8), size=(n, m))
        margins = list(rng.choice(["exact", "partial", "none"], size=m))
        total_margin = str(rng.choice(["exact", "partial", "none"]))
        hidden, total_hidden = protect_table(
            table, k, margins=margins, total_margin=total_margin  # type: ignore[arg-type]
        )
        assert (hidden | (table >= k)).all() and (total_hidden | (table.sum(1) >= k)).all()
        assert hidden[table < k].all() and total_hidden[table.sum(1) < k].all()
        for i in range(n):
            if not total_hidden[i] and hidden[i].any():
                assert table[i][hidden[i]].sum() >= k
        for j, margin in enumerate(margins):
            if margin == "exact" and hidden[:, j].any():
                # unless every value of the column is hidden already
                assert table[hidden[:, j], j].sum() >= k or hidden[:, j].all()
            if margin == "partial":
                assert hidden[:, j].any()
        if total_margin == "exact" and total_hidden.any():
            rest = table[total_hidden][hidden[total_hidden]].sum()
            stuck = not (~hidden[total_hidden]).any() and not (
                ~total_hidden & hidden.any(axis=1)
            ).any()
            assert rest >= k or stuck


def test_event_roles_grid_is_an_audited_zone_scoped_event_read(web: WebEnv) -> None:
    q = "cell_size=100&start=2024-01-01&end=2024-12-02"
    fc = web.client.get(f"/api/v1/grid?{q}", headers=web.auth("zone_analyst")).json()
    last = audit_wf.entries(web.ws)[-1]
    assert last["action"] == "grid.read" and last["username"] == "zeno"
    ev = web.ws.events(roles="harm", start="2024-01-01", end="2024-12-02")
    inside = shapely.contains_xy(ZONES["5341"], ev["x"].to_numpy(), ev["y"].to_numpy())
    total = sum(f["properties"]["count"] or 0 for f in fc["features"])
    assert total == int(inside.sum()) == last["rows"] == fc["events"]
    assert int(inside.sum()) < len(ev)  # events outside the zone exist and are not counted
    # a regional analyst's fine grid is audited too, over the whole region
    fc = web.client.get(f"/api/v1/grid?{q}", headers=web.auth("regional_analyst")).json()
    last = audit_wf.entries(web.ws)[-1]
    assert last["action"] == "grid.read" and last["username"] == "rita"
    assert sum(f["properties"]["count"] or 0 for f in fc["features"]) == len(ev)


@pytest.mark.parametrize(
    "query", ["cell_size=250", "cell_size=1000", "start=2024-01-01&end=2024-12-02", "role=enforcement"]
)
def test_the_public_grid_has_no_other_partition(web: WebEnv, query: str) -> None:
    """Free windows, other cell sizes or roles are not parameters of the public grid: they
    change nothing (the one protected partition of harm is returned)."""
    plain = web.client.get("/api/v1/public/grid").json()
    other = web.client.get(f"/api/v1/public/grid?{query}").json()
    assert other == plain and other["cell_size"] == 500.0 and other["role"] == "harm"
