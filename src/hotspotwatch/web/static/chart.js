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
  /* Round axis ticks: a step of 1, 2 or 5 times a power of ten, about four of them. */
  function niceTicks(v) {
    const top = v > 0 ? v : 1;
    const raw = top / 4, p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * p).find((st) => st >= raw) || 10 * p;
    const max = Math.ceil(top / step - 1e-9) * step;
    const ticks = [];
    for (let k = 0; k * step <= max + 1e-9; k++) ticks.push(Math.round(k * step * 1e6) / 1e6);
    return { max, ticks };
  }
  /* Text in CSS pixels, whatever the width: charts are drawn at the container's own width
     (not a 720-unit viewBox scaled down to a phone), so 12 px stays 12 px at 390 px. */
  const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  const FS = 12;
  function txt(x, y, text, attrs = {}) {
    return s("text", Object.assign({ x, y, "font-size": FS, "font-family": FONT, fill: "#333" }, attrs), text);
  }
  function widthOf(container) {
    return Math.max(280, Math.round(container.clientWidth || (container.parentElement && container.parentElement.clientWidth) || 720));
  }
  /* Redraw when the container's width changes (rotation, resize). */
  function responsive(container, draw) {
    container._hwDraw = draw;
    container._hwWidth = widthOf(container);
    draw(container._hwWidth);
    if (typeof ResizeObserver !== "undefined" && !container._hwObserver) {
      container._hwObserver = new ResizeObserver(() => {
        const w = widthOf(container);
        if (Math.abs(w - container._hwWidth) > 8) { container._hwWidth = w; container._hwDraw(w); }
      });
      container._hwObserver.observe(container);
    }
  }
  /* A short month label: "Mar 24" (in the page language). */
  function monthTick(iso) {
    const [y, m] = iso.split("-").map(Number);
    if (!y || !m) return iso;
    try {
      return new Date(Date.UTC(y, m - 1, 15)).toLocaleDateString(document.body.dataset.lang || "en", { month: "short", year: "2-digit", timeZone: "UTC" });
    } catch (e) { return iso.slice(0, 7); }
  }
  /* series: [{name, values, color, dash, key}], labels: ["2023-01" | "2023-01-28", ...] (ISO),
     bands: [[fromISO, toISO|null]], yLabel: axis title; a transparent column per month
     carries the month's values as a tooltip. */
  function lines(container, { labels, series, bands = [], title = "", yLabel = "" }) {
    let root;
    responsive(container, (W) => {
      const narrow = W < 520;
      const H = narrow ? 230 : 270, L = 44, R = 10, T = yLabel ? 24 : 10, B = 26;
      root = svg(W, H, title);
      root.setAttribute("width", W); root.setAttribute("height", H);
      root.classList.add("trend");
      const n = labels.length;
      const axis = niceTicks(Math.max(1, ...series.flatMap((x) => (x.values || []).filter((v) => v !== null && v !== undefined))));
      const max = axis.max;
      const x = (i) => L + (n <= 1 ? 0 : (i * (W - L - R)) / (n - 1));
      const y = (v) => T + (H - T - B) * (1 - v / max);
      const month = (iso) => iso.slice(0, 7);
      for (const [from, to] of bands) {
        const i0 = Math.max(0, labels.findIndex((m) => month(m) >= month(from)));
        let i1 = to ? labels.findIndex((m) => month(m) > month(to)) - 1 : n - 1;
        if (i1 < 0) i1 = n - 1;
        if (n && month(from) <= month(labels[n - 1]))
          root.append(s("rect", { x: x(i0), y: T, width: Math.max(2, x(i1) - x(i0)), height: H - T - B, fill: "#6c2eb9", "fill-opacity": 0.08, class: "band" }));
      }
      if (yLabel) root.append(txt(4, 14, yLabel, { class: "y-label", "font-weight": "600" }));
      for (const v of axis.ticks) {
        const yy = y(v);
        root.append(s("line", { x1: L, x2: W - R, y1: yy, y2: yy, stroke: "#e3e6ea" }));
        root.append(txt(L - 4, yy + 4, v.toLocaleString(document.body.dataset.lang || "en"), { "text-anchor": "end", class: "tick" }));
      }
      // as many month labels as fit (about 60 px each), never overlapping
      const fit = Math.max(2, Math.floor((W - L - R) / (narrow ? 58 : 64)));
      const step = Math.max(1, Math.ceil(n / fit));
      labels.forEach((m, i) => { if (i % step === 0) root.append(txt(x(i), H - B + 16, monthTick(m), { "text-anchor": "middle", class: "tick x-tick" })); });
      root.append(s("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: "#888" }));
      for (const ser of series) {
        if (!ser.values) continue;
        let d = "";
        ser.values.forEach((v, i) => { if (v !== null && v !== undefined) d += (d && ser.values[i - 1] !== null && ser.values[i - 1] !== undefined ? "L" : "M") + x(i).toFixed(1) + "," + y(v).toFixed(1); });
        const attrs = { d, fill: "none", stroke: ser.color, "stroke-width": 2, class: "series", "data-name": ser.name };
        if (ser.key) attrs["data-key"] = ser.key;
        if (ser.dash) attrs["stroke-dasharray"] = ser.dash;
        const path = s("path", attrs);
        path.append(s("title", {}, ser.name));
        root.append(path);
      }
      const colW = n > 1 ? (W - L - R) / (n - 1) : W - L - R;
      labels.forEach((m, i) => {
        const hit = s("rect", { x: x(i) - colW / 2, y: T, width: colW, height: H - T - B, fill: "transparent", class: "hit" });
        const vals = series.filter((q) => q.values).map((q) => q.name + ": " + (q.values[i] === null || q.values[i] === undefined ? "–" : (Math.round(q.values[i] * 10) / 10).toLocaleString(document.body.dataset.lang || "en")));
        hit.append(s("title", {}, [monthTick(m)].concat(vals).join("\n")));
        root.append(hit);
      });
      container.replaceChildren(root);
      const legend = document.createElement("div");
      legend.className = "legend-row";
      for (const ser of series) {
        if (!ser.values) continue;
        const sp = document.createElement("span");
        sp.style.setProperty("--c", ser.color);
        if (ser.dash) sp.classList.add("dashed");
        sp.textContent = ser.name;
        legend.append(sp);
      }
      container.append(legend);
    });
    return root;
  }
  /* Verdict colours, as the report's forest plot (report/figures/charts.py FOREST_COLOURS). */
  const VERDICT_COLOURS = { reduction: "#2e7d32", increase: "#b23b3b", no_detectable_change: "#1d2733", too_early: "#a3acb5", uncertain: "#c77c02" };
  /* A label that fits ``px`` pixels at 12 px (about 6.6 px a character), with an ellipsis. */
  function clip(label, px) {
    const max = Math.max(4, Math.floor(px / 6.6));
    return label.length <= max ? label : label.slice(0, max - 1) + "…";
  }
  /* rows: [{label, est, lo, hi, loAdj, hiAdj, verdict}] on a log scale around 1: the adjusted
     interval (the one the verdict is read from) thick, the unadjusted one thin above it, both
     in the colour of the verdict. Labels too long for the column end in "…" and carry the
     full name as a tooltip. */
  function forest(container, rows, { pooled = null, title = "" } = {}) {
    let root;
    responsive(container, (W) => {
      const all = rows.concat(pooled ? [pooled] : []).filter((r) => r.lo > 0 && r.hi > 0);
      const rowH = 24, L = Math.min(230, Math.round(W * 0.36)), R = 14, T = 10;
      const H = T + rowH * (all.length + 1) + 22;
      root = svg(W, H, title);
      root.setAttribute("width", W); root.setAttribute("height", H);
      if (!all.length) { container.replaceChildren(root); return; }
      const adj = (r) => (r.loAdj > 0 && r.hiAdj > 0 ? [r.loAdj, r.hiAdj] : []);
      const lo = Math.min(0.5, ...all.map((r) => r.lo), ...all.flatMap(adj)), hi = Math.max(2, ...all.map((r) => r.hi), ...all.flatMap(adj));
      const lx = (v) => L + ((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * (W - L - R);
      root.append(s("line", { x1: lx(1), x2: lx(1), y1: T, y2: H - 22, stroke: "#888", "stroke-dasharray": "3,3" }));
      all.forEach((r, i) => {
        const yy = T + rowH * (i + 0.5) + (r === pooled ? rowH * 0.5 : 0);
        const label = txt(L - 8, yy + 4, clip(r.label, L - 12), { "text-anchor": "end", "font-weight": r === pooled ? "700" : "400", class: "forest-label" });
        label.append(s("title", {}, r.label));
        root.append(label);
        const c = VERDICT_COLOURS[r.verdict] || "#333";
        if (r.loAdj > 0 && r.hiAdj > 0) {
          root.append(s("line", { x1: lx(r.lo), x2: lx(r.hi), y1: yy - 5, y2: yy - 5, stroke: c, "stroke-width": 0.8, class: "ci-unadjusted" }));
          root.append(s("line", { x1: lx(r.loAdj), x2: lx(r.hiAdj), y1: yy, y2: yy, stroke: c, "stroke-width": 2.5, class: "ci-adjusted verdict-" + (r.verdict || "none") }));
        } else {
          root.append(s("line", { x1: lx(r.lo), x2: lx(r.hi), y1: yy, y2: yy, stroke: c, "stroke-width": 1.5 }));
        }
        if (r.est > 0) {
          const mark = r === pooled
            ? s("path", { d: `M${lx(r.est)},${yy - 6}L${lx(r.est) + 7},${yy}L${lx(r.est)},${yy + 6}L${lx(r.est) - 7},${yy}Z`, fill: "#12233d" })
            : s("rect", { x: lx(r.est) - 4, y: yy - 4, width: 8, height: 8, fill: "#0b5cad" });
          // the numbers on hover: estimate, the interval the verdict is read from
          const nf = (v) => (typeof HW !== "undefined" ? HW.fmt(v) : String(v));
          const [a, b] = r.loAdj > 0 && r.hiAdj > 0 ? [r.loAdj, r.hiAdj] : [r.lo, r.hi];
          mark.append(s("title", {}, `${r.label}: ${nf(r.est)} (${nf(a)} – ${nf(b)})`));
          root.append(mark);
        }
      });
      for (const v of [0.25, 0.5, 1, 2, 4]) if (v >= lo && v <= hi) root.append(txt(lx(v), H - 6, v.toLocaleString(document.body.dataset.lang || "en"), { "text-anchor": "middle", class: "tick" }));
      container.replaceChildren(root);
      // the estimate of 6.6 px a character can be short (capitals, bold): measure and shorten
      for (const label of root.querySelectorAll("text.forest-label")) {
        const full = label.querySelector("title").textContent;
        let keep = label.firstChild.textContent.replace(/…$/, "").length;
        while (keep > 3 && label.getComputedTextLength && label.getComputedTextLength() > L - 12) {
          keep -= 1;
          label.firstChild.textContent = full.slice(0, keep) + "…";
        }
      }
    });
    return root;
  }
  /* The chart in ``container`` (its SVG, its HTML legend) as a PNG data URL, with ``title``
     above it: drawn on a canvas (toDataURL), white background, at twice the pixel size. */
  async function toPng(container, title = "") {
    const svgEl = container.querySelector("svg");
    if (!svgEl) throw new Error("no chart to export");
    const W = Number(svgEl.getAttribute("width")) || svgEl.viewBox.baseVal.width;
    const H = Number(svgEl.getAttribute("height")) || svgEl.viewBox.baseVal.height;
    const legend = [...container.querySelectorAll(".legend-row span")].map((sp) => ({ text: sp.textContent, color: sp.style.getPropertyValue("--c") }));
    const clone = svgEl.cloneNode(true);
    clone.setAttribute("xmlns", NS);
    clone.querySelectorAll("rect.hit").forEach((r) => r.remove());
    const src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(new XMLSerializer().serializeToString(clone));
    const img = new Image();
    await new Promise((ok, fail) => { img.onload = ok; img.onerror = () => fail(new Error("the chart could not be drawn")); img.src = src; });
    const top = title ? 28 : 6, legendH = legend.length ? 24 * Math.ceil(legend.length / Math.max(1, Math.floor(W / 220))) : 0;
    const scale = 2, canvas = document.createElement("canvas");
    canvas.width = W * scale; canvas.height = (top + H + legendH + 6) * scale;
    const ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, top + H + legendH + 6);
    ctx.fillStyle = "#1d2330"; ctx.font = `600 14px ${FONT}`;
    if (title) ctx.fillText(title, 6, 19);
    ctx.drawImage(img, 0, top, W, H);
    ctx.font = `12px ${FONT}`;
    const per = Math.max(1, Math.floor(W / 220));
    legend.forEach((it, i) => {
      const lx = 8 + (i % per) * 220, ly = top + H + 16 + 24 * Math.floor(i / per);
      ctx.fillStyle = it.color || "#333"; ctx.fillRect(lx, ly - 5, 16, 4);
      ctx.fillStyle = "#1d2330"; ctx.fillText(it.text, lx + 22, ly);
    });
    return canvas.toDataURL("image/png");
  }
  /* bars with null = hidden (fewer than k): drawn hatched, without a number */
  function bars(container, labels, values, { hiddenLabel = "", title = "" } = {}) {
    let root;
    responsive(container, (W) => {
      const H = W < 520 ? 200 : 220, L = 40, R = 10, T = 10, B = 26;
      root = svg(W, H, title);
      root.setAttribute("width", W); root.setAttribute("height", H);
      const n = labels.length || 1;
      const axis = niceTicks(Math.max(1, ...values.filter((v) => v !== null)));
      const max = axis.max;
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
      for (const v of axis.ticks) root.append(txt(L - 4, y(v) + 4, v.toLocaleString(document.body.dataset.lang || "en"), { "text-anchor": "end" }));
      const step = Math.max(1, Math.ceil(n / Math.max(2, Math.floor((W - L - R) / 60))));
      labels.forEach((m, i) => { if (i % step === 0) root.append(txt(L + i * bw + bw / 2, H - B + 16, m, { "text-anchor": "middle" })); });
      container.replaceChildren(root);
    });
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
  return { lines, forest, bars, cells, toPng, monthTick };
})();
