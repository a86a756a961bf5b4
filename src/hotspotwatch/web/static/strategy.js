"use strict";
(async () => {
  const { t, api, fmt, el } = HW;
  const status = document.getElementById("st-status");
  let run, hotspots;
  try {
    [run, hotspots] = await Promise.all([api("/results/evaluation"), api("/hotspots")]);
  } catch (e) {
    if (e.status === 401) return HW.loginRedirect();
    return HW.showError(status, e);
  }
  status.textContent = "";
  const res = run.result || {};
  const ids = Object.fromEntries(hotspots.features.map((f) => [f.properties.name, f.id]));
  const pooled = res.pooled;
  if (pooled) {
    const v = pooled.verdict || (pooled.ci_high < 1 ? "reduction" : pooled.ci_low > 1 ? "increase" : "no_detectable_change");
    const pe = document.getElementById("pooled");
    pe.textContent = HW.verdictText(v) + " — " + t("web.hotspot.rate_ratio", { irr: fmt(pooled.irr), lo: fmt(pooled.ci_low), hi: fmt(pooled.ci_high) });
    pe.classList.add(v);
    if (pooled.i2 !== undefined && pooled.i2 !== null) document.getElementById("pooled-i2").textContent = t("web.strategy.heterogeneity") + ": " + fmt(pooled.i2 * (pooled.i2 <= 1 ? 100 : 1), 0) + " %";
  }
  const rows = res.hotspots || [];
  HWChart.forest(document.getElementById("forest"),
    rows.map((r) => ({ label: r.name, est: r.irr, lo: r.ci_low, hi: r.ci_high })),
    { pooled: pooled ? { label: t("web.strategy.pooled"), est: pooled.irr, lo: pooled.ci_low, hi: pooled.ci_high } : null });
  const tbody = document.querySelector("#strategy-table tbody");
  for (const r of rows) {
    const name = ids[r.name] !== undefined ? el("a", { href: `/hotspots/${ids[r.name]}`, text: r.name }) : r.name;
    tbody.append(el("tr", {}, el("td", {}, name), el("td", { text: r.outcome || "" }),
      el("td", { class: "num", text: fmt(r.irr) }), el("td", { class: "num", text: fmt(r.ci_low) + " – " + fmt(r.ci_high) }),
      el("td", { class: "num", text: fmt(r.p_value, 3) }), el("td", { class: "num", text: fmt(r.wdq) }),
      el("td", { class: "verdict-cell " + (r.verdict || ""), text: HW.verdictText(r.verdict) })));
  }
})();
