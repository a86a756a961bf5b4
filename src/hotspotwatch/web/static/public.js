"use strict";
(async () => {
  const { t, api, el } = HW;
  let cfg;
  try { cfg = await api("/public/config"); } catch (e) { return HW.showError(document.getElementById("pub-intro"), e); }
  const hidden = t("web.public.hidden", { k: cfg.k });
  document.getElementById("pub-intro").textContent = t("web.public.intro", { k: cfg.k });
  api("/public/monthly").then((m) => HWChart.bars(document.getElementById("pub-monthly"), m.months, m.counts, { hiddenLabel: hidden, title: t("web.public.monthly") }))
    .catch((e) => HW.showError(document.getElementById("pub-monthly"), e));
  let hotspots = null;
  try {
    hotspots = await api("/public/hotspots");
    const tbody = document.querySelector("#pub-hotspots tbody");
    for (const f of hotspots.features) {
      const p = f.properties;
      tbody.append(el("tr", {}, el("td", { text: p.name }),
        el("td", { class: "num", text: p.harm_total === null ? hidden : String(p.harm_total) }),
        el("td", { text: HW.verdictText(p.verdict) })));
    }
  } catch (e) { HW.showError(document.querySelector("#pub-hotspots tbody"), e); }
  const sel = document.getElementById("pub-year");
  for (const y of cfg.years) sel.append(el("option", { value: String(y), text: String(y) }));
  if (cfg.years.length) sel.value = String(cfg.years[cfg.years.length - 1]);
  async function grid() {
    try {
      const fc = await api("/public/grid" + (sel.value ? "?year=" + sel.value : ""));
      HWChart.cells(document.getElementById("pub-grid"), fc, { hiddenLabel: hidden, outlines: hotspots, title: t("web.public.grid") });
    } catch (e) { HW.showError(document.getElementById("pub-grid"), e); }
  }
  sel.addEventListener("change", grid);
  grid();
  const list = document.getElementById("pub-reports");
  try {
    const reports = await api("/public/reports");
    if (!reports.length) list.append(el("li", { class: "muted", text: t("web.public.no_reports") }));
    for (const r of reports) list.append(el("li", {}, el("a", { href: "/api/v1/public/reports/" + encodeURIComponent(r.name), text: r.name })));
  } catch (e) { HW.showError(list, e); }
})();
