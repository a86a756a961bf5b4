/* Presence per week and resources of one hotspot (issue 18): activity, not results.
   Fills <section id="presence"> of hotspot.html from /api/v1/hotspots/{id}/presence and
   /resources; admins (and partners for their own places) get a form to enter resources. */
"use strict";
(async () => {
  const { t, api, fmt, int, el } = HW;
  const root = document.getElementById("hotspot");
  const card = document.getElementById("presence");
  if (!root || !card) return;
  const id = root.dataset.hotspotId;
  let pres, res;
  try {
    [pres, res] = await Promise.all([api(`/hotspots/${id}/presence`), api(`/hotspots/${id}/resources`)]);
  } catch (e) {
    if (e.status === 401) return; // hotspot.js sends the visitor to the login page
    card.hidden = false;
    return HW.showError(card, e);
  }
  const money = (v, cur) => (v === null || v === undefined ? "–"
    : Number(v).toLocaleString(HW.lang, { style: "currency", currency: cur, maximumFractionDigits: 0 }));
  card.hidden = false;
  card.replaceChildren(el("h2", { text: t("web.dose.presence_heading") }));

  const s = pres.summary;
  if (!s) {
    card.append(el("p", { class: "muted", id: "presence-none", text: t("web.dose.no_presence") }));
  } else {
    card.append(el("p", { id: "presence-summary", text: t("web.dose.summary", {
      hours: fmt(s.minutes / 60, 0), sessions: int(s.sessions), per_week: fmt(s.minutes_per_week, 0),
      covered: s.high_harm_covered_share === null ? "–" : fmt(100 * s.high_harm_covered_share, 1) }) }));
    // every Monday from the first to the last week with presence: a week without is 0 minutes
    const seen = [...new Set(pres.weeks.map((w) => w.week))].sort();
    const weeks = [];
    if (seen.length) {
      const last = new Date(seen[seen.length - 1] + "T00:00:00Z");
      for (let d = new Date(seen[0] + "T00:00:00Z"); d <= last; d.setUTCDate(d.getUTCDate() + 7)) weeks.push(d.toISOString().slice(0, 10));
    }
    const units = pres.unit_types.filter((u) => pres.weeks.some((w) => w.unit_type === u));
    const colours = ["#2e4a7d", "#1e7b34", "#b8860b", "#6c2eb9"];
    const chart = el("div", { id: "presence-chart", class: "chart" });
    card.append(chart);
    HWChart.lines(chart, {
      labels: weeks,
      series: units.map((u, i) => ({
        name: t("web.dose.unit." + u) === "web.dose.unit." + u ? u.replace(/_/g, " ") : t("web.dose.unit." + u),
        values: weeks.map((wk) => pres.weeks.filter((w) => w.week === wk && w.unit_type === u).reduce((a, w) => a + w.minutes, 0)),
        color: colours[i % colours.length],
      })),
      title: t("web.dose.chart"),
      yLabel: t("web.dose.minutes"),
    });
  }
  if (pres.run) card.append(el("p", { class: "muted small", id: "presence-run", text: t("web.dose.run", { run: pres.run.run_id, until: pres.until || "–" }) }));

  card.append(el("h3", { text: t("web.dose.resources_heading") }));
  const table = el("table", { id: "resources" });
  const head = el("tr", {}, ...["web.dose.start", "web.dose.end", "web.dose.kind_label", "web.dose.staff_hours", "web.dose.cost", "web.dose.source"].map((k) => el("th", { text: t(k) })));
  table.append(el("thead", {}, head));
  const tbody = el("tbody");
  table.append(tbody);
  function renderRows(list) {
    tbody.replaceChildren();
    if (!list.length) tbody.append(el("tr", {}, el("td", { colspan: "6", class: "muted", text: t("web.dose.no_resources") })));
    for (const r of list) tbody.append(el("tr", {},
      el("td", { text: r.start }), el("td", { text: r.end }), el("td", { text: t("web.dose.kind." + r.kind) }),
      el("td", { class: "num", text: r.staff_hours === null ? "–" : fmt(r.staff_hours, 0) }),
      el("td", { class: "num", text: money(r.cost, res.currency) }),
      el("td", { text: r.source + (r.simulated ? " (" + t("web.dose.simulated") + ")" : "") })));
  }
  renderRows(res.records);
  card.append(el("div", { class: "scroll" }, table));

  if (res.can_enter) {
    const form = el("form", { id: "resource-form" });
    // the prevention form's layout (app.css styles #action-form only)
    form.style.cssText = "display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.3rem .8rem;align-items:end;margin-bottom:1rem";
    const input = (name, attrs) => el("input", Object.assign({ name }, attrs));
    const kind = el("select", { name: "kind" }, ...res.kinds.map((k) => { const o = el("option", { value: k, text: t("web.dose.kind." + k) }); return o; }));
    const msg = el("span", { id: "resource-msg", role: "status" });
    const wide = (e) => { e.style.gridColumn = "1 / -1"; e.style.margin = "0"; return e; };
    form.append(
      wide(el("h3", { text: t("web.dose.enter") })),
      el("label", {}, t("web.dose.start"), input("start", { type: "date", required: "" })),
      el("label", {}, t("web.dose.end"), input("end", { type: "date", required: "" })),
      el("label", {}, t("web.dose.kind_label"), kind),
      el("label", {}, t("web.dose.staff_hours"), input("staff_hours", { type: "number", min: "0", step: "0.5" })),
      el("label", {}, t("web.dose.cost") + " (" + res.currency + ")", input("cost", { type: "number", min: "0", step: "1" })),
      wide(el("label", { class: "wide" }, t("web.dose.source"), input("source", { required: "", maxlength: "300" }))),
      el("button", { type: "submit", text: t("web.dose.save") }), msg);
    card.append(form);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const num = (v) => (v === "" ? null : Number(v));
      try {
        await api(`/hotspots/${id}/resources`, { method: "POST", body: {
          start: form.start.value, end: form.end.value, kind: form.kind.value,
          staff_hours: num(form.staff_hours.value), cost: num(form.cost.value), source: form.source.value } });
        msg.textContent = t("web.dose.saved");
        renderRows((await api(`/hotspots/${id}/resources`)).records);
      } catch (err) { HW.showError(msg, err); }
    });
  }
})();
