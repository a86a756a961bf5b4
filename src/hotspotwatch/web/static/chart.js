/* Small SVG charts (no chart library): trend lines, forest plot, bars, grid cells. */
"use strict";
const HWChart = (() => {
  const NS = "http://www.w3.org/2000/svg";
  function s(tag, attrs = {}, text) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(w, h, label) {
    return s("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": label || "" });
  }
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }
  /* series: [{name, values, color}], labels: ["2023-01", ...], bands: [[fromLabel, toLabel|null]] */
  function lines(container, { labels, series, bands = [], title = "" }) {
    const W = 720, H = 260, L = 40, R = 10, T = 10, B = 40;
    const root = svg(W, H, title);
    root.classList.add("trend");
    const n = labels.length;
    const max = niceMax(Math.max(1, ...series.flatMap((x) => x.values.filter((v) => v !== null))));
    const x = (i) => L + (n <= 1 ? 0 : (i * (W - L - R)) / (n - 1));
    const y = (v) => T + (H - T - B) * (1 - v / max);
    for (const [from, to] of bands) {
      const i0 = Math.max(0, labels.findIndex((m) => m >= from.slice(0, 7)));
      let i1 = to ? labels.findIndex((m) => m >= to.slice(0, 7)) : n - 1;
      if (i1 < 0) i1 = n - 1;
      if (labels.length && from.slice(0, 7) <= labels[n - 1])
        root.append(s("rect", { x: x(i0), y: T, width: Math.max(2, x(i1) - x(i0)), height: H - T - B, fill: "#6c2eb9", "fill-opacity": 0.08, class: "band" }));
    }
    for (let k = 0; k <= 4; k++) {
      const v = (max * k) / 4, yy = y(v);
      root.append(s("line", { x1: L, x2: W - R, y1: yy, y2: yy, stroke: "#e3e6ea" }));
      root.append(s("text", { x: L - 4, y: yy + 4, "text-anchor": "end" }, String(Math.round(v * 10) / 10)));
    }
    const step = Math.max(1, Math.ceil(n / 12));
    labels.forEach((m, i) => { if (i % step === 0) root.append(s("text", { x: x(i), y: H - B + 16, "text-anchor": "middle" }, m)); });
    root.append(s("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }));
    for (const ser of series) {
      let d = "";
      ser.values.forEach((v, i) => { if (v !== null) d += (d && ser.values[i - 1] !== null ? "L" : "M") + x(i).toFixed(1) + "," + y(v).toFixed(1); });
      root.append(s("path", { d, fill: "none", stroke: ser.color, "stroke-width": 2, class: "series", "data-name": ser.name }));
    }
    container.replaceChildren(root);
    const legend = document.createElement("div");
    legend.className = "legend-row";
    for (const ser of series) { const sp = document.createElement("span"); sp.style.setProperty("--c", ser.color); sp.textContent = ser.name; legend.append(sp); }
    container.append(legend);
    return root;
  }
  /* Verdict colours, as the report's forest plot (report/figures/charts.py FOREST_COLOURS). */
  const VERDICT_COLOURS = { reduction: "#2e7d32", increase: "#b23b3b", no_detectable_change: "#1d2733", too_early: "#a3acb5", uncertain: "#c77c02" };
  /* rows: [{label, est, lo, hi, loAdj, hiAdj, verdict}] on a log scale around 1: the adjusted
     interval (the one the verdict is read from) thick, the unadjusted one thin above it, both
     in the colour of the verdict */
  function forest(container, rows, { pooled = null, title = "" } = {}) {
    const all = rows.concat(pooled ? [pooled] : []).filter((r) => r.lo > 0 && r.hi > 0);
    const W = 720, rowH = 22, L = 190, R = 20, T = 10;
    const H = T + rowH * (all.length + 1) + 20;
    const root = svg(W, H, title);
    if (!all.length) { container.replaceChildren(root); return root; }
    const adj = (r) => (r.loAdj > 0 && r.hiAdj > 0 ? [r.loAdj, r.hiAdj] : []);
    let lo = Math.min(0.5, ...all.map((r) => r.lo), ...all.flatMap(adj)), hi = Math.max(2, ...all.map((r) => r.hi), ...all.flatMap(adj));
    const lx = (v) => L + ((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * (W - L - R);
    root.append(s("line", { x1: lx(1), x2: lx(1), y1: T, y2: H - 20, stroke: "#888", "stroke-dasharray": "3,3" }));
    all.forEach((r, i) => {
      const yy = T + rowH * (i + 0.5) + (r === pooled ? rowH * 0.5 : 0);
      root.append(s("text", { x: L - 8, y: yy + 4, "text-anchor": "end", "font-weight": r === pooled ? "700" : "400" }, r.label));
      const c = VERDICT_COLOURS[r.verdict] || "#333";
      if (r.loAdj > 0 && r.hiAdj > 0) {
        root.append(s("line", { x1: lx(r.lo), x2: lx(r.hi), y1: yy - 5, y2: yy - 5, stroke: c, "stroke-width": 0.8, class: "ci-unadjusted" }));
        root.append(s("line", { x1: lx(r.loAdj), x2: lx(r.hiAdj), y1: yy, y2: yy, stroke: c, "stroke-width": 2.5, class: "ci-adjusted verdict-" + (r.verdict || "none") }));
      } else {
        root.append(s("line", { x1: lx(r.lo), x2: lx(r.hi), y1: yy, y2: yy, stroke: c, "stroke-width": 1.5 }));
      }
      if (r.est > 0) root.append(r === pooled
        ? s("path", { d: `M${lx(r.est)},${yy - 6}L${lx(r.est) + 7},${yy}L${lx(r.est)},${yy + 6}L${lx(r.est) - 7},${yy}Z`, fill: "#12233d" })
        : s("rect", { x: lx(r.est) - 4, y: yy - 4, width: 8, height: 8, fill: "#0b5cad" }));
    });
    for (const v of [0.25, 0.5, 1, 2, 4]) if (v >= lo && v <= hi) root.append(s("text", { x: lx(v), y: H - 6, "text-anchor": "middle" }, String(v)));
    container.replaceChildren(root);
    return root;
  }
  /* bars with null = hidden (fewer than k): drawn hatched, without a number */
  function bars(container, labels, values, { hiddenLabel = "", title = "" } = {}) {
    const W = 720, H = 220, L = 40, R = 10, T = 10, B = 36;
    const root = svg(W, H, title);
    const n = labels.length || 1;
    const max = niceMax(Math.max(1, ...values.filter((v) => v !== null)));
    const bw = (W - L - R) / n;
    const y = (v) => T + (H - T - B) * (1 - v / max);
    values.forEach((v, i) => {
      const xx = L + i * bw;
      if (v === null) {
        const r = s("rect", { x: xx + 1, y: H - B - 6, width: Math.max(1, bw - 2), height: 6, fill: "#bbb", class: "hidden-bar" });
        r.append(s("title", {}, labels[i] + ": " + hiddenLabel));
        root.append(r);
      } else {
        const r = s("rect", { x: xx + 1, y: y(v), width: Math.max(1, bw - 2), height: H - B - y(v), fill: "#0b5cad", class: "bar" });
        r.append(s("title", {}, labels[i] + ": " + v));
        root.append(r);
      }
    });
    for (let k = 0; k <= 4; k++) root.append(s("text", { x: L - 4, y: y((max * k) / 4) + 4, "text-anchor": "end" }, String(Math.round((max * k) / 4))));
    const step = Math.max(1, Math.ceil(n / 12));
    labels.forEach((m, i) => { if (i % step === 0) root.append(s("text", { x: L + i * bw + bw / 2, y: H - B + 16, "text-anchor": "middle" }, m)); });
    container.replaceChildren(root);
    return root;
  }
  /* GeoJSON polygons (lon/lat) as a small equirectangular SVG map, filled by properties.count */
  function cells(container, fc, { hiddenLabel = "", outlines = null, title = "" } = {}) {
    const feats = fc.features || [];
    const pts = feats.concat(outlines ? outlines.features : []).flatMap((f) => ringCoords(f.geometry).flat());
    const W = 720;
    if (!pts.length) { container.replaceChildren(svg(W, 100, title)); return null; }
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    const k = Math.cos(((y0 + y1) / 2) * Math.PI / 180);
    const sc = (W - 20) / Math.max(1e-9, (x1 - x0) * k);
    const H = Math.round((y1 - y0) * sc + 20);
    const root = svg(W, H, title);
    const px = (p) => [10 + (p[0] - x0) * k * sc, 10 + (y1 - p[1]) * sc];
    const max = Math.max(1, ...feats.map((f) => f.properties.count || 0));
    const path = (g) => ringCoords(g).map((r) => "M" + r.map((p) => px(p).map((v) => v.toFixed(1)).join(",")).join("L") + "Z").join("");
    for (const f of feats) {
      const c = f.properties.count;
      const fill = c === null ? "#d9dce1" : `rgba(192,57,43,${(0.15 + 0.85 * c / max).toFixed(3)})`;
      const p = s("path", { d: path(f.geometry), fill, stroke: "#fff", "stroke-width": 0.5, class: c === null ? "cell hidden-cell" : "cell" });
      p.append(s("title", {}, c === null ? hiddenLabel : String(c)));
      root.append(p);
    }
    if (outlines) for (const f of outlines.features) root.append(s("path", { d: path(f.geometry), fill: "none", stroke: "#6c2eb9", "stroke-width": 1.5 }));
    container.replaceChildren(root);
    return root;
  }
  function ringCoords(g) {
    if (!g) return [];
    if (g.type === "Polygon") return g.coordinates;
    if (g.type === "MultiPolygon") return g.coordinates.flat();
    return [];
  }
  return { lines, forest, bars, cells };
})();
