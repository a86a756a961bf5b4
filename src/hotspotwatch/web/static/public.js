"use strict";
/* The public page (issue 17): designated places alphabetically with one sentence and a
   change index (no count per place), the strategy with its staff-hours and cost, the
   region-wide monthly series, the rare serious categories region-wide, the protected grid. */
(async () => {
  const { t, api, el } = HW;
  const lang = HW.lang;
  let cfg;
  try { cfg = await api("/public/config"); } catch (e) { return HW.showError(document.getElementById("pub-intro"), e); }
  const hidden = t("public.page.hidden");
  document.getElementById("pub-intro").textContent = t("public.page.intro", { k: cfg.k });
  document.getElementById("pub-index-note").textContent = t("public.index.note", { k: cfg.k });
  document.getElementById("pub-hidden-note").textContent = t("public.page.hidden_note", { k: cfg.k });
  const day = (iso) => iso ? new Date(iso + "T12:00:00Z").toLocaleDateString(lang, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }) : "–";

  api("/public/strategy?lang=" + lang).then((s) => {
    document.getElementById("pub-strategy").textContent = s.text;
    const r = s.resources;
    const out = document.getElementById("pub-resources");
    if (!r) { out.textContent = t("public.resources.none"); return; }
    const cost = Math.round(r.cost).toLocaleString(lang, { style: "currency", currency: r.currency, maximumFractionDigits: 0 });
    out.textContent = t("public.resources.text", { start: day(r.start), end: day(r.end), hours: Math.round(r.staff_hours).toLocaleString(lang), cost });
    if (r.simulated) out.append(" ", el("span", { class: "muted small", text: t("public.resources.simulated") }));
  }).catch((e) => HW.showError(document.getElementById("pub-strategy"), e));

  let hotspots = null;
  const cols = [t("public.places.col_place"), t("public.places.col_since"), t("public.places.col_change"), t("public.places.col_words")];
  try {
    hotspots = await api("/public/hotspots?lang=" + lang);
    const tbody = document.querySelector("#pub-hotspots tbody");
    for (const f of hotspots.features) {
      const p = f.properties;
      const since = (p.designations || []).map((d) => d.start).filter(Boolean).sort()[0];
      const name = p.commune ? p.name + " (" + p.commune + ")" : p.name;
      tbody.append(el("tr", { class: "place", "data-name": p.name },
        el("th", { scope: "row", "data-label": cols[0], text: name }),
        el("td", { "data-label": cols[1], text: day(since) }),
        el("td", { "data-label": cols[2], class: p.index_after === null ? "muted" : "", text: p.change_text }),
        el("td", { "data-label": cols[3], text: p.sentence })));
    }
  } catch (e) { HW.showError(document.querySelector("#pub-hotspots tbody"), e); }

  api("/public/monthly").then((m) => HWChart.bars(document.getElementById("pub-monthly"), m.months, m.counts, { hiddenLabel: hidden, title: t("public.page.monthly") }))
    .catch((e) => HW.showError(document.getElementById("pub-monthly"), e));

  api("/public/rare?lang=" + lang).then((r) => {
    const box = document.getElementById("pub-rare");
    if (!r.categories.length || !r.years.length) { box.textContent = r.categories.length ? t("public.rare.none") : t("public.page.unavailable"); return; }
    const names = r.labels;
    document.getElementById("pub-rare-intro").textContent = t("public.rare.intro", { categories: names.join(", ").toLowerCase() });
    const cell = (v, label) => el("td", { class: "num" + (v === null ? " muted" : ""), "data-label": label, text: v === null ? hidden : Number(v).toLocaleString(lang) });
    const head = el("tr", {}, el("th", { text: t("public.rare.col_category") }), ...r.years.map((y) => el("th", { class: "num", text: String(y) })), el("th", { class: "num", text: t("public.rare.col_total") }));
    const body = el("tbody");
    r.categories.forEach((c, i) => body.append(el("tr", {}, el("th", { scope: "row", text: names[i] }),
      ...r.counts[i].map((v, j) => cell(v, String(r.years[j]))), cell(r.category_totals[i], t("public.rare.col_total")))));
    body.append(el("tr", { class: "total" }, el("th", { scope: "row", text: t("public.rare.row_total") }),
      ...r.year_totals.map((v, j) => cell(v, String(r.years[j]))), cell(r.total, t("public.rare.col_total"))));
    box.replaceChildren(el("table", { id: "pub-rare-table", class: "stack" }, el("thead", {}, head), body),
      el("p", { class: "muted small", text: t("public.rare.note", { k: r.k }) }));
  }).catch((e) => HW.showError(document.getElementById("pub-rare"), e));

  const sel = document.getElementById("pub-year");
  sel.append(el("option", { value: "", text: t("public.page.all_years") }));
  for (const y of cfg.years) sel.append(el("option", { value: String(y), text: String(y) }));
  if (cfg.years.length) sel.value = String(cfg.years[cfg.years.length - 1]);
  async function grid() {
    try {
      const fc = await api("/public/grid" + (sel.value ? "?year=" + sel.value : ""));
      HWChart.cells(document.getElementById("pub-grid"), fc, { hiddenLabel: hidden, outlines: hotspots, title: t("public.page.grid") });
    } catch (e) { HW.showError(document.getElementById("pub-grid"), e); }
  }
  sel.addEventListener("change", grid);
  grid();
  const list = document.getElementById("pub-reports");
  try {
    const reports = await api("/public/reports");
    if (!reports.length) list.append(el("li", { class: "muted", text: t("public.page.no_reports") }));
    for (const r of reports) list.append(el("li", {}, el("a", { href: "/api/v1/public/reports/" + encodeURIComponent(r.name), text: r.name })));
  } catch (e) { HW.showError(list, e); }
})();
