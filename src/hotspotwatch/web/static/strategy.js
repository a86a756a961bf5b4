"use strict";
(async () => {
  const { t, api, fmt, el } = HW;
  const status = document.getElementById("st-status");
  let run, hotspots;
  try {
    [run, hotspots] = await Promise.all([api("/results/evaluation?lang=" + HW.lang), api("/hotspots")]);
  } catch (e) {
    if (e.status === 401) return HW.loginRedirect();
    return HW.showError(status, e);
  }
  status.textContent = run.parameters && run.parameters.until ? t("web.hotspot.run", { run: run.run, until: run.parameters.until }) : "";
  const res = run.result || {};
  const ids = Object.fromEntries(hotspots.features.map((f) => [f.properties.name, f.id]));
  const pooled = res.pooled;
  if (pooled) {
    const v = pooled.verdict || (pooled.ci_high < 1 ? "reduction" : pooled.ci_low > 1 ? "increase" : "no_detectable_change");
    const pe = document.getElementById("pooled");
    pe.textContent = HW.verdictText(v) + " — " + t("web.hotspot.rate_ratio", { irr: fmt(pooled.irr), lo: fmt(pooled.ci_low), hi: fmt(pooled.ci_high) });
    pe.classList.add(v);
    if (run.pooled_verdict_text) document.getElementById("pooled-sentence").textContent = run.pooled_verdict_text;
    if (pooled.i2 !== undefined && pooled.i2 !== null) document.getElementById("pooled-i2").textContent = t("web.strategy.heterogeneity") + ": " + fmt(pooled.i2 * (pooled.i2 <= 1 ? 100 : 1), 0) + " %";
  }
  const rows = res.hotspots || [];
  HWChart.forest(document.getElementById("forest"),
    rows.map((r) => ({ label: r.name, est: r.irr, lo: r.ci_low, hi: r.ci_high, loAdj: r.ci_low_adjusted, hiAdj: r.ci_high_adjusted, verdict: r.verdict })),
    { pooled: pooled ? { label: t("web.strategy.pooled"), est: pooled.irr, lo: pooled.ci_low, hi: pooled.ci_high } : null });
  const tbody = document.querySelector("#strategy-table tbody");
  for (const r of rows) {
    const name = ids[r.name] !== undefined ? el("a", { href: `/hotspots/${ids[r.name]}`, text: r.name }) : r.name;
    tbody.append(el("tr", {}, el("td", {}, name), el("td", { text: r.outcome || "" }),
      el("td", { class: "num", text: fmt(r.irr) }), el("td", { class: "num", text: fmt(r.ci_low) + " – " + fmt(r.ci_high) }),
      el("td", { class: "num", text: HW.pvalue(r.p_adjusted) }), el("td", { class: "num", text: fmt(r.wdq && typeof r.wdq === "object" ? r.wdq.wdq : r.wdq) }),
      el("td", { class: "verdict-cell " + (r.verdict || ""), text: HW.verdictText(r.verdict) })));
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
