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


# ------------------------------------------------------------------ issue 17: every public output
def _with_rare(web: WebEnv) -> WebEnv:
    """``[public] rare_categories`` on, and a few homicides and stabbings (counts below k in
    some years: the rare table needs complementary suppression)."""
    import dataclasses
    import tomllib

    from hotspotwatch.config import CONFIG_FILE, Config

    data = tomllib.loads(web.ws.config.to_toml())
    data["public"] = {"rare_categories": ["shooting", "homicide", "stabbing"]}
    # the review ends on 31 December 2024: 2024 is a complete calendar year
    data.setdefault("web", {})["review_day"] = "2024-12-31"
    cfg = Config.from_mapping(data, source="test")
    (web.ws.path / CONFIG_FILE).write_text(cfg.to_toml(), encoding="utf-8")
    web.ws.config = dataclasses.replace(web.ws.config, public=cfg.public, web=cfg.web)
    rng = np.random.default_rng(5)
    rows = []
    # homicides of 2024: six in January-June, one in October (a small second half)
    for cat, a, b, n in (("homicide", "2023-01-05", "2023-12-20", 2),
                         ("homicide", "2024-01-05", "2024-06-25", 6),
                         ("homicide", "2024-10-02", "2024-10-20", 1),
                         ("stabbing", "2023-01-05", "2023-12-20", 9),
                         ("stabbing", "2024-01-05", "2024-12-20", 3)):
        start = pd.Timestamp(a, tz="UTC").value
        stop = pd.Timestamp(b, tz="UTC").value
        rows.append(pd.DataFrame({
            "source_id": [f"{cat}{a}-{i}" for i in range(n)],
            "occurred_at": pd.to_datetime(rng.integers(start, stop, n), utc=True),
            "x": rng.uniform(645100, 652900, n), "y": rng.uniform(665100, 672900, n),
            "category": cat,
        }))
    web.ws.add_events(pd.concat(rows, ignore_index=True), source="rare")
    return web


def _public_release(web: WebEnv):
    """Everything the public API publishes, as sums of atoms (what an attacker can combine).

    Atoms: harm events per (500 m cell, year), per calendar month (region), per (rare
    category, year), and the other harm per year. Identities: each year's cells and its
    months count the same events; its rare categories plus the other harm do too.
    """
    from hotspotwatch.analysis.differencing import Release

    grid = _layers(web, "/api/v1/public/grid")
    monthly = web.client.get("/api/v1/public/monthly").json()
    rare = web.client.get("/api/v1/public/rare").json()
    n_cells, years = len(grid[None]), list(YEARS)
    months = [int(m[:4]) for m in monthly["months"]]
    n_cat = len(rare["categories"])
    assert rare["years"] == years
    off_m = n_cells * len(years)
    off_r = off_m + len(months)
    off_o = off_r + n_cat * len(years)
    n_atoms = off_o + len(years)
    forms, values, shown, labels = [], [], [], []

    def publish(idx, value, label):
        f = np.zeros(n_atoms)
        f[list(idx)] = 1
        forms.append(f)
        values.append(np.nan if value is None else float(value))
        shown.append(value is not None)
        labels.append(label)

    for i in range(n_cells):
        for j, y in enumerate(years):
            publish([i * len(years) + j], grid[y][i], f"cell{i}/{y}")
        publish([i * len(years) + j for j in range(len(years))], grid[None][i], f"cell{i}")
    for m, c in enumerate(monthly["counts"]):
        publish([off_m + m], c, f"month{m}")
    for c in range(n_cat):
        for j, y in enumerate(years):
            publish([off_r + c * len(years) + j], rare["counts"][c][j], f"rare{c}/{y}")
        publish([off_r + c * len(years) + j for j in range(len(years))],
                rare["category_totals"][c], f"rare{c}")
    for j, y in enumerate(years):
        publish([off_r + c * len(years) + j for c in range(n_cat)], rare["year_totals"][j],
                f"rare/{y}")
    publish(range(off_r, off_o), rare["total"], "rare")
    ids = []
    for j, y in enumerate(years):
        a = np.zeros(n_atoms)
        a[[i * len(years) + j for i in range(n_cells)]] = 1
        a[[off_m + m for m, yy in enumerate(months) if yy == y]] -= 1
        ids.append(a)
        b = np.zeros(n_atoms)
        b[[off_r + c * len(years) + j for c in range(n_cat)]] = 1
        b[off_o + j] = 1
        b[[off_m + m for m, yy in enumerate(months) if yy == y]] -= 1
        ids.append(b)
    return Release(np.array(forms), np.array(values), np.array(shown), tuple(labels),
                   identities=np.array(ids))


def _truth_values(web: WebEnv, release) -> np.ndarray:
    """The true value behind every published entry (an independent count), same order."""
    tz = web.ws.config.timezone
    ev = web.ws.events(roles="harm")
    local = ev["occurred_at"].dt.tz_convert(tz)
    fc = web.client.get("/api/v1/public/grid").json()
    out = []
    cells = []
    for f in fc["features"]:
        lon, lat = shapely.geometry.shape(f["geometry"]).centroid.coords[0]
        x, y = _to_ws(web, lon, lat)
        cells.append((int(x // 500), int(y // 500)))
    cx, cy = (ev["x"] // 500).astype(int), (ev["y"] // 500).astype(int)
    rare = web.client.get("/api/v1/public/rare").json()
    for label in release.labels:
        if label.startswith("cell"):
            name, _, yr = label.partition("/")
            i = int(name[4:])
            sel = (cx == cells[i][0]) & (cy == cells[i][1])
            if yr:
                sel &= local.dt.year == int(yr)
            out.append(int(sel.sum()))
        elif label.startswith("month"):
            m = int(label[5:])
            y, mo = 2023 + m // 12, m % 12 + 1
            out.append(int(((local.dt.year == y) & (local.dt.month == mo)).sum()))
        else:
            body, _, yr = label[4:].partition("/")
            cats = rare["categories"] if body == "" else [rare["categories"][int(body)]]
            sel = ev["category"].isin(cats)
            if yr:
                sel &= local.dt.year == int(yr)
            out.append(int(sel.sum()))
    return np.array(out, float)


@pytest.mark.slow
def test_no_public_output_lets_a_hidden_count_be_recovered(dense: WebEnv) -> None:
    """The attack on every public table and chart at once: the grid (cells x years, all
    years), the monthly series (region minus sum of cells), the rare categories with their
    totals; each hidden count must stay at least k wide (LP bounds, about a minute)."""
    from hotspotwatch.analysis.differencing import attacker_bounds, disclosed

    web = _with_rare(dense)
    k = web.ws.config.disclosure_k
    release = _public_release(web)
    truth = _truth_values(web, release)
    # shown values are true counts, every one at least k
    assert np.array_equal(release.values[release.shown], truth[release.shown])
    assert release.values[release.shown].min() >= k
    # the identities hold on the true counts (the model of the attacker is right)
    x_known = release.with_shown(np.ones(len(truth), bool))
    assert x_known.forms.shape[0] == len(truth)
    hidden = ~release.shown
    assert hidden.sum() > 20 and (truth[hidden] < k).any()
    full = release.__class__(release.forms, truth, release.shown, release.labels,
                             release.identities)
    bounds = attacker_bounds(full)
    narrow = [full.labels[i] for i, (lo, hi) in bounds.items() if hi - lo < k - 1e-6]
    assert narrow == []
    # the attacker's interval for every hidden count covers its true value
    for i, (lo, hi) in bounds.items():
        assert lo - 1e-6 <= truth[i] <= hi + 1e-6
    # hiding only the counts below k would have leaked (so this test can fail): a cell's
    # year hidden beside its shown total
    naive = full.with_shown(truth >= k)
    labels = full.labels
    candidates = [
        labels.index(f"cell{i}/{y}")
        for i in range(len(labels)) if f"cell{i}" in labels and naive.shown[labels.index(f"cell{i}")]
        for y in YEARS if not naive.shown[labels.index(f"cell{i}/{y}")]
    ][:10]
    assert candidates and disclosed(naive, k, only=candidates)


@pytest.mark.parametrize(
    ("path", "variants"),
    [
        ("/api/v1/public/grid", ["start=2024-01-01&end=2024-12-31", "start=2024-02-01&end=2024-12-31",
                                 "cell_size=499", "role=enforcement"]),
        ("/api/v1/public/monthly", ["start=2024-01-01", "start=2024-02-01", "end=2024-06-01"]),
        ("/api/v1/public/rare", ["start=2024-01-01", "start=2024-02-01", "until=2024-06-30",
                                 "zone=5341"]),
        ("/api/v1/public/hotspots", ["start=2024-01-01", "start=2024-02-01"]),
    ],
)
def test_overlapping_public_queries_return_the_one_partition(
    web: WebEnv, path: str, variants: list[str]
) -> None:
    """Two date ranges differing by one month, a zone instead of the region: the public
    API has no such parameter, so every variant returns the same published values and
    their difference is nothing."""
    _with_rare(web)
    plain = web.client.get(path).json()
    for q in variants:
        assert web.client.get(f"{path}?{q}").json() == plain, q


def test_two_reviews_publish_the_same_rare_cells(web: WebEnv) -> None:
    """Overlapping periods between reports: a review in mid-2024 and one at the end of 2024
    publish only complete calendar years, so their common cells are equal and their
    difference reveals nothing; a half year next to the full year would have."""
    import datetime as dt

    from hotspotwatch.analysis.differencing import Release, disclosed
    from hotspotwatch.workflows.public_version import rare_counts, rare_table

    web = _with_rare(web)
    k = web.ws.config.disclosure_k
    mid = rare_table(web.ws, until=dt.date(2024, 6, 30))
    end = rare_table(web.ws, until=dt.date(2024, 12, 31))
    assert mid.years == (2023,) and end.years == (2023, 2024)
    for i in range(len(mid.categories)):
        assert mid.cell(i, 0) == end.cell(i, 0)
    # the naive alternative: January-June 2024 in the first review, the year in the second
    cats = end.categories
    full = rare_counts(web.ws, cats, [2024])[:, 0]
    ev = web.ws.events(categories=list(cats), start="2024-01-01", end="2024-07-01")
    half = np.array([(ev["category"] == c).sum() for c in cats], float)
    # atoms: each category's first and second half of 2024
    n = len(cats)
    forms, values, shown = [], [], []
    for i in range(n):
        for part, value in (((1, 1), full[i]), ((1, 0), half[i]), ((0, 1), full[i] - half[i])):
            f = np.zeros(2 * n)
            f[2 * i], f[2 * i + 1] = part
            forms.append(f)
            values.append(value)
            shown.append(part != (0, 1) and value >= k)
    r = Release(np.array(forms), np.array(values), np.array(shown),
                tuple(str(j) for j in range(len(values))))
    # homicides: 7 in the year, 6 in its first half: both published, the October one leaks
    h = cats.index("homicide")
    assert (full[h], half[h]) == (7, 6)
    assert 3 * h + 2 in disclosed(r, k)
