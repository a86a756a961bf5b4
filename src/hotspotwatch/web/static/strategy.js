"use strict";
(async () => {
  const { t, api, fmt, el } = HW;
  const status = document.getElementById("st-status");
  let run, table;
  try {
    [run, table] = await Promise.all([api("/results/evaluation?lang=" + HW.lang), api("/strategy/table?lang=" + HW.lang)]);
  } catch (e) {
    if (e.status === 401) return HW.loginRedirect();
    return HW.showError(status, e);
  }
  status.textContent = run.parameters && run.parameters.until ? t("web.hotspot.run", { run: run.run, until: run.parameters.until }) : "";
  status.dataset.run = table.run.run;
  const res = run.result || {};
  const pooled = res.pooled;
  if (pooled) {
    const v = pooled.verdict || (pooled.ci_high < 1 ? "reduction" : pooled.ci_low > 1 ? "increase" : "no_detectable_change");
    const pe = document.getElementById("pooled");
    pe.textContent = HW.verdictText(v) + " — " + t("web.hotspot.rate_ratio", { irr: fmt(pooled.irr), lo: fmt(pooled.ci_low), hi: fmt(pooled.ci_high) });
    pe.classList.add(v);
    if (run.pooled_verdict_text) document.getElementById("pooled-sentence").textContent = run.pooled_verdict_text;
    if (pooled.fixed && pooled.fixed.irr !== undefined && pooled.fixed.irr !== null)
      document.getElementById("pooled-fixed").textContent = t("web.pages.pooled_fixed", { irr: fmt(pooled.fixed.irr), lo: fmt(pooled.fixed.ci_low), hi: fmt(pooled.fixed.ci_high) });
    if (pooled.i2 !== undefined && pooled.i2 !== null) document.getElementById("pooled-i2").textContent = t("web.pages.param_item", { name: t("web.pages.strategy.heterogeneity"), value: fmt(pooled.i2 * (pooled.i2 <= 1 ? 100 : 1), 0) + "\u00a0%" });
  }
  const rows = table.rows;
  const forest = document.getElementById("forest");
  HWChart.forest(forest,
    rows.map((r) => ({ label: r.name, est: r.irr, lo: r.ci_low, hi: r.ci_high, loAdj: r.ci_low_adjusted, hiAdj: r.ci_high_adjusted, verdict: r.verdict })),
    { pooled: pooled ? { label: t("web.pages.strategy.pooled"), est: pooled.irr, lo: pooled.ci_low, hi: pooled.ci_high } : null });
  HW.exportBar(document.getElementById("forest-exports"), [{ label: t("web.pages.export.png"), format: "png", onClick: async () => {
    const url = await HWChart.toPng(forest, t("web.pages.strategy.pooled"));
    await HW.savePng(url, `forest-${table.run.run}.png`, { view: "strategy-forest", run: table.run.run });
  } }]);
  HW.exportBar(document.getElementById("table-exports"), [{ label: t("web.pages.export.csv"), format: "csv", href: "/api/v1/export/strategy.csv" }]);
  const params = table.parameters || {};
  const items = Object.entries(params).map(([k, v]) => t("web.pages.param_item", { name: t("web.pages.param." + k),
    value: k === "until" && table.until_text ? table.until_text : HW.paramText(k, v, rows.length ? rows[0].outcome_label : null) }));
  document.getElementById("st-params").textContent = t("web.pages.parameters_list", { list: items.join(" · ") });
  const head = Object.fromEntries([...document.querySelectorAll("#strategy-table th")].map((th) => [th.dataset.col, th.textContent.trim()]));
  const cell = (col, attrs, ...kids) => el("td", Object.assign({ "data-label": head[col] || "", "data-col": col }, attrs), ...kids);
  const ci = (lo, hi) => (lo === null || lo === undefined || hi === null || hi === undefined ? "–" : fmt(lo) + " – " + fmt(hi));
  // "≥ 26 %": the smallest fall the design could detect (as the report's summary)
  const mdr = (v) => (v === null || v === undefined || !(v > 0) ? "–" : v < 1 ? "≥ " + fmt(100 * (1 - v), 0) + "\u00a0%" : fmt(v));
  const tbody = document.querySelector("#strategy-table tbody");
  for (const r of rows) {
    const name = r.hotspot_id !== null ? el("a", { href: `/hotspots/${r.hotspot_id}`, text: r.name, title: r.name }) : el("span", { text: r.name, title: r.name });
    tbody.append(el("tr", { "data-name": r.name, "data-verdict": r.verdict || "" },
      cell("name", { class: "name", title: r.name }, name),
      cell("outcome", { text: r.outcome_label || r.outcome || "" }),
      cell("irr", { class: "num", text: fmt(r.irr) }),
      cell("interval", { class: "num", text: ci(r.ci_low, r.ci_high) }),
      cell("interval_adjusted", { class: "num", text: ci(r.ci_low_adjusted, r.ci_high_adjusted),
        title: r.adjusted_level !== null ? t("web.pages.col.interval_adjusted_title", { level: fmt(r.adjusted_level, 1) }) : "" }),
      cell("p", { class: "num", text: HW.pvalue(r.p_value) }),
      cell("p_adjusted", { class: "num", text: HW.pvalue(r.p_adjusted) }),
      cell("wdq", { class: "num", text: fmt(r.wdq) }),
      cell("mdr", { class: "num", text: mdr(r.min_detectable_ratio), title: r.min_detectable_ratio > 0 ? t("web.pages.col.mdr_title", { ratio: fmt(r.min_detectable_ratio) }) : "" }),
      cell("buffer", { class: "buffer-cell", text: r.buffer_verdict_label || "–", title: t("web.pages.col.buffer_title", { p: HW.pvalue(r.buffer_p_adjusted) }) }),
      cell("verdict", { class: "verdict-cell " + (r.verdict || ""), text: HW.verdictText(r.verdict) })));
  }
  // Recent incidents in context: the report's run for the review day (its window is stated).
  try {
    const inc = await api("/results/incidents?lang=" + HW.lang);
    document.getElementById("incidents-text").textContent = inc.text;
    document.getElementById("incidents-window").textContent = inc.window_text || "";
    document.getElementById("incidents-card").hidden = false;
  } catch (e) {
    // no run for this workspace (no data, no harm category): the card stays hidden
  }
})();
