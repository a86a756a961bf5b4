"use strict";
(async () => {
  const { t, api, fmt, int, el } = HW;
  const root = document.getElementById("hotspot");
  const id = root.dataset.hotspotId;
  const status = document.getElementById("hs-status");
  // the map's data are asked for at once, beside the page's (the map is drawn when they arrive)
  const mapData = Promise.all([api(`/hotspots/${id}/layers`), api("/public/config")]);
  mapData.catch(() => null); // reported where the map is drawn
  const zonesData = api("/areas/police_zone").catch(() => null); // orientation; absent in some workspaces
  let hs, monthly, actions, chart;
  try {
    [hs, monthly, actions, chart] = await Promise.all([
      api(`/hotspots/${id}?lang=${HW.lang}`), api(`/hotspots/${id}/monthly`), api(`/hotspots/${id}/actions`),
      api(`/hotspots/${id}/chart?lang=${HW.lang}`)]);
  } catch (e) {
    if (e.status === 401) return HW.loginRedirect();
    return HW.showError(status, e);
  }
  status.textContent = "";
  const p = hs.properties;
  document.getElementById("hs-name").textContent = p.name;
  document.title = p.name + " · HotspotWatch";
  document.getElementById("hs-meta").textContent = [p.commune, p.zone ? t("web.zone_label") + " " + p.zone : null, p.active ? t("web.hotspot.designated") : null].filter(Boolean).join(" · ");
  const slug = p.name.normalize("NFD").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase() || "hotspot";

  // The run these numbers come from, and its parameters (the renewal report's for the same day).
  const runMeta = hs.evaluation_run || chart.run;
  const runKey = runMeta ? runMeta.run : null;
  if (runMeta) {
    document.getElementById("hs-run").textContent = t("web.pages.run", { run: runMeta.run, until: chart.until_text || runMeta.parameters.until || "–" });
    document.getElementById("hs-run").dataset.run = runMeta.run;
    const dl = document.getElementById("hs-params");
    const shown = chart.parameters || {};
    for (const [k, v] of Object.entries(shown)) {
      const val = k === "until" && chart.until_text ? chart.until_text : HW.paramText(k, v, hs.evaluation ? hs.evaluation.summary.outcome_label : null);
      dl.append(el("dt", { text: t("web.pages.param." + k) }), el("dd", { "data-param": k, "data-value": Array.isArray(v) ? v.join(",") : String(v), text: val }));
    }
  } else {
    document.getElementById("hs-run-card").hidden = true;
  }

  const pngBar = (target, container, titleEl, view) => HW.exportBar(target, [{ label: t("web.pages.export.png"), format: "png", onClick: async () => {
    const url = await HWChart.toPng(container, titleEl.textContent + " — " + p.name);
    await HW.savePng(url, `${slug}-${view}.png`, { view: "hotspot-" + view, hotspot_id: Number(id), run: runKey });
  } }]);

  // Harm: the place, its buffer ring, the comparison areas (the evaluation's own months).
  const missing = new Set(monthly.missing_months || []);
  if (missing.size) document.getElementById("trend-missing").textContent = t("web.hotspot.missing_months", { months: [...missing].join(", ") });
  const trend = document.getElementById("trend");
  const c = chart.chart;
  if (c) {
    const ring = c.buffer_ring || [0, 0];
    HWChart.lines(trend, {
      labels: c.months,
      series: [
        { key: "treated", name: t("web.pages.series.treated"), values: c.treated, color: "#c0392b" },
        { key: "buffer", name: t("web.pages.series.buffer", { inner: fmt(ring[0], 0), outer: fmt(ring[1], 0) }), values: c.buffer, color: "#e08e0b", dash: "6,3" },
        { key: "control", name: t("web.pages.series.control"), values: c.control, color: "#5b6473", dash: "2,3" },
      ],
      bands: [[c.designated, null]],
      title: t("web.pages.trend"),
      yLabel: t("web.pages.axis.harm"),
    });
    document.getElementById("trend-note").textContent = t("web.pages.trend_note");
    HWChart.lines(document.getElementById("activity"), {
      labels: c.months,
      series: [
        { key: "enforcement", name: t("web.pages.series.enforcement"), values: c.dose.enforcement, color: "#2e4a7d" },
        { key: "prevention", name: t("web.pages.series.prevention"), values: c.dose.prevention, color: "#1e7b34", dash: "6,3" },
      ],
      bands: [[c.designated, null]],
      title: t("web.pages.activity"),
      yLabel: t("web.pages.axis.activity"),
    });
    HW.exportBar(document.getElementById("trend-exports"), [
      { label: t("web.pages.export.csv"), format: "csv", href: `/api/v1/export/hotspots/${id}/series.csv` },
      { label: t("web.pages.export.png"), format: "png", onClick: async () => {
        const url = await HWChart.toPng(trend, t("web.pages.trend") + " — " + p.name);
        await HW.savePng(url, `${slug}-trend.png`, { view: "hotspot-trend", hotspot_id: Number(id), run: runKey });
      } }]);
    pngBar(document.getElementById("activity-exports"), document.getElementById("activity"), document.getElementById("activity-title"), "activity");
  } else {
    // not evaluated (e.g. designated after the review day): harm per calendar month
    document.getElementById("trend-title").textContent = t("web.hotspot.trend");
    document.getElementById("trend-note").textContent = t("web.pages.no_chart");
    HWChart.lines(trend, {
      labels: monthly.months,
      series: [{ key: "treated", name: t("web.hotspot.harm"), values: monthly.harm.map((v, i) => (missing.has(monthly.months[i]) ? null : v)), color: "#c0392b" }],
      bands: monthly.periods, title: t("web.hotspot.trend"), yLabel: t("web.pages.axis.harm"),
    });
    HWChart.lines(document.getElementById("activity"), {
      labels: monthly.months,
      series: [
        { key: "enforcement", name: t("web.pages.series.enforcement"), values: monthly.enforcement, color: "#2e4a7d" },
        { key: "prevention", name: t("web.pages.series.prevention"), values: monthly.prevention, color: "#1e7b34", dash: "6,3" },
      ],
      bands: monthly.periods, title: t("web.pages.activity"), yLabel: t("web.pages.axis.activity"),
    });
    pngBar(document.getElementById("trend-exports"), trend, document.getElementById("trend-title"), "trend");
    pngBar(document.getElementById("activity-exports"), document.getElementById("activity"), document.getElementById("activity-title"), "activity");
  }

  // The map: perimeter, buffer rings, neighbouring places, comparison cells; names on hover.
  (async () => {
    const mapStatus = document.getElementById("map-status");
    let layers, cfg;
    try { [layers, cfg] = await mapData; } catch (e) { return HW.showError(mapStatus, e); }
    const map = HWMap.create("hs-map", mapStatus, cfg);
    const geoBtn = { label: t("web.pages.export.geojson"), format: "geojson", href: `/api/v1/export/hotspots/${id}/layers.geojson` };
    if (!map) { HW.exportBar(document.getElementById("map-exports"), [geoBtn]); return; }
    HW.exportBar(document.getElementById("map-exports"), [geoBtn, { label: t("web.pages.export.png"), format: "png", onClick: async () => {
      await HW.savePng(HWMap.toPng(map), `${slug}-map.png`, { view: "hotspot-map", hotspot_id: Number(id), run: runKey });
    } }]);
    const kind = (k) => ({ type: "FeatureCollection", features: layers.features.filter((f) => f.properties.kind === k) });
    map.on("load", () => {
      // zone boundaries under the place's layers, whenever they arrive
      zonesData.then((z) => {
        if (!z || !z.features.length) return;
        map.addSource("zones", { type: "geojson", data: z });
        map.addLayer({ id: "zones", type: "line", source: "zones", paint: { "line-color": "#333", "line-width": 1, "line-dasharray": [3, 2], "line-opacity": 0.6 } }, "controls");
        document.getElementById("legend-zones").hidden = false;
      });
      map.addSource("controls", { type: "geojson", data: kind("control_cell") });
      map.addLayer({ id: "controls", type: "fill", source: "controls", paint: { "fill-color": "#5b6473", "fill-opacity": 0.12, "fill-outline-color": "#8a929e" } });
      map.addSource("rings", { type: "geojson", data: kind("buffer_ring") });
      map.addLayer({ id: "rings", type: "fill", source: "rings", paint: { "fill-color": "#e08e0b", "fill-opacity": 0.25 } });
      map.addLayer({ id: "rings-line", type: "line", source: "rings", paint: { "line-color": "#b86f00", "line-width": 1, "line-dasharray": [3, 2] } });
      map.addSource("neighbours", { type: "geojson", data: kind("neighbour") });
      map.addLayer({ id: "neighbours", type: "fill", source: "neighbours", paint: { "fill-color": "#6c2eb9", "fill-opacity": 0.08 } });
      map.addLayer({ id: "neighbours-line", type: "line", source: "neighbours", paint: { "line-color": "#6c2eb9", "line-width": 1.5, "line-dasharray": [2, 1] } });
      map.addSource("perimeter", { type: "geojson", data: kind("perimeter") });
      map.addLayer({ id: "perimeter", type: "fill", source: "perimeter", paint: { "fill-color": "#c0392b", "fill-opacity": 0.2 } });
      map.addLayer({ id: "perimeter-line", type: "line", source: "perimeter", paint: { "line-color": "#c0392b", "line-width": 2.5 } });
      const focus = HWMap.bounds(layers, (f) => f.properties.kind === "perimeter" || f.properties.kind === "buffer_ring");
      map.fitBounds(focus, { padding: 40, duration: 0, maxZoom: 16 });
      HWMap.hoverNames(map, ["perimeter", "neighbours", "rings"], (q) => (q.kind === "buffer_ring" ? t("web.pages.legend.buffer") + " " + q.name : q.name));
      map.on("click", "neighbours", (e) => { const f = e.features && e.features[0]; if (f) location.href = "/hotspots/" + f.properties.hotspot_id; });
      document.getElementById("hs-map").dataset.state = "loaded";
    });
  })();

  // Every number below is the evaluation's own (the renewal report's run for the review day).
  const ev = hs.evaluation ? hs.evaluation.summary : null;
  const vEl = document.getElementById("verdict");
  const dose = document.getElementById("dose");
  const addD = (k, v, id) => dose.append(el("dt", { text: k }), el("dd", id ? { id, text: v } : { text: v }));
  if (ev) {
    vEl.textContent = HW.verdictText(ev.verdict);
    vEl.classList.add(ev.verdict || "none");
    document.getElementById("verdict-sentence").textContent = ev.verdict_text || "";
    document.getElementById("verdict-interval").textContent = t("web.hotspot.rate_ratio", { irr: fmt(ev.irr), lo: fmt(ev.ci_low), hi: fmt(ev.ci_high) });
    const dl = document.getElementById("verdict-details");
    const add = (k, v, id) => dl.append(el("dt", { text: k }), el("dd", { id, text: v }));
    if (ev.outcome) add(t("web.strategy.outcome"), ev.outcome_label || ev.outcome, "ev-outcome");
    add(t("web.hotspot.irr"), fmt(ev.irr), "ev-irr");
    add(t("web.hotspot.p_value"), HW.pvalue(ev.p_adjusted), "ev-p-adjusted");
    add(t("web.hotspot.wdq"), fmt(ev.wdq), "ev-wdq");
    const ci = (lo, hi) => (lo === null || lo === undefined || hi === null ? "" : " (" + fmt(lo, 1) + " – " + fmt(hi, 1) + ")");
    add(t("web.hotspot.wdd_local"), fmt(ev.wdd_local, 1) + ci(ev.wdd_local_ci_low, ev.wdd_local_ci_high), "ev-wdd-local");
    add(t("web.hotspot.wdd"), fmt(ev.wdd, 1) + ci(ev.wdd_ci_low, ev.wdd_ci_high), "ev-wdd");
    add(t("web.hotspot.mdr"), fmt(ev.min_detectable_ratio), "ev-mdr");
    add(t("web.hotspot.buffer"), ev.buffer_verdict_label || "–", "ev-buffer");
    document.getElementById("buffer-sentence").textContent = ev.buffer_verdict_text || "";
    const run = hs.evaluation_run;
    document.getElementById("verdict-run").textContent = t("web.hotspot.run", { run: run.run, until: run.parameters.until || "–" });
    document.getElementById("verdict-run").dataset.run = run.run;
    vEl.dataset.verdict = ev.verdict || "";
    if (ev.ci_low_adjusted !== null && ev.ci_low_adjusted !== undefined)
      add(t("web.pages.col.interval_adjusted"), fmt(ev.ci_low_adjusted) + " – " + fmt(ev.ci_high_adjusted), "ev-ci-adjusted");
    addD(t("web.hotspot.dose_enforcement"), int(ev.dose_totals.enforcement.after), "dose-enforcement");
    addD(t("web.hotspot.dose_prevention_events"), int(ev.dose_totals.prevention.after), "dose-prevention");
    const body = document.querySelector("#dose-table tbody");
    for (const r of ev.dose) body.append(el("tr", { "data-category": r.category },
      el("td", { text: t("web.hotspot." + r.role) }), el("td", { text: r.label }),
      el("td", { class: "num before", text: int(r.before) }), el("td", { class: "num after", text: int(r.after) })));
    document.getElementById("dose-table").hidden = !ev.dose.length;
  } else {
    vEl.textContent = hs.evaluation_missing ? t("web.common.not_computed", { message: hs.evaluation_missing }) : t("web.hotspot.no_evaluation");
  }
  addD(t("web.hotspot.dose_prevention"), int(hs.prevention.actions), "log-actions");
  addD(t("web.hotspot.hours_total"), fmt(hs.prevention.hours, 1), "log-hours");
  addD(t("web.hotspot.contacts_total"), int(hs.prevention.contacts), "log-contacts");
  document.getElementById("dose-note").textContent = t("evaluate.dose_note");

  // for the presence panel (dose helper) and any other script of this page
  window.HW_HOTSPOT = { id: Number(id), data: hs };
  document.dispatchEvent(new CustomEvent("hw:hotspot-loaded", { detail: hs }));

  const tbody = document.querySelector("#actions tbody");
  function renderActions(list) {
    tbody.replaceChildren();
    if (!list.length) tbody.append(el("tr", {}, el("td", { colspan: "6", class: "muted", text: t("web.hotspot.no_actions") })));
    for (const a of list) tbody.append(el("tr", {},
      el("td", { text: a.occurred_on }), el("td", { text: t("web.kind." + a.kind) }),
      el("td", { class: "num", text: a.hours === null ? "–" : fmt(a.hours, 1) }),
      el("td", { class: "num", text: int(a.contacts) }), el("td", { text: a.description || "" }),
      el("td", { text: a.recorded_by })));
  }
  renderActions(actions);

  const dec = document.querySelector("#decisions tbody");
  for (const d of p.designations) dec.append(el("tr", {},
    el("td", { text: t("web.action." + d.action) }), el("td", { text: d.start || "" }), el("td", { text: d.end || "" }),
    el("td", { text: d.body || "" }), el("td", { text: d.decision_ref || "" })));

  const form = document.getElementById("action-form");
  if (hs.can_log_actions) {
    form.hidden = false;
    form.occurred_on.value = new Date().toISOString().slice(0, 10);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const msg = document.getElementById("action-msg");
      const num = (v) => (v === "" ? null : Number(v));
      try {
        await api(`/hotspots/${id}/actions`, { method: "POST", body: {
          occurred_on: form.occurred_on.value, kind: form.kind.value, description: form.description.value || null,
          hours: num(form.hours.value), contacts: num(form.contacts.value) } });
        msg.textContent = t("web.hotspot.saved");
        renderActions(await api(`/hotspots/${id}/actions`));
      } catch (err) { HW.showError(msg, err); }
    });
  }
})();
