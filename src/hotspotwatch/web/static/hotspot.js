"use strict";
(async () => {
  const { t, api, fmt, int, el } = HW;
  const root = document.getElementById("hotspot");
  const id = root.dataset.hotspotId;
  const status = document.getElementById("hs-status");
  let hs, monthly, actions;
  try {
    [hs, monthly, actions] = await Promise.all([
      api(`/hotspots/${id}?lang=${HW.lang}`), api(`/hotspots/${id}/monthly`), api(`/hotspots/${id}/actions`)]);
  } catch (e) {
    if (e.status === 401) return HW.loginRedirect();
    return HW.showError(status, e);
  }
  status.textContent = "";
  const p = hs.properties;
  document.getElementById("hs-name").textContent = p.name;
  document.title = p.name + " · HotspotWatch";
  document.getElementById("hs-meta").textContent = [p.commune, p.zone ? "ZP " + p.zone : null, p.active ? t("web.hotspot.designated") : null].filter(Boolean).join(" · ");

  const missing = new Set(monthly.missing_months || []);
  if (missing.size) document.getElementById("trend-missing").textContent = t("web.hotspot.missing_months", { months: [...missing].join(", ") });
  HWChart.lines(document.getElementById("trend"), {
    labels: monthly.months,
    series: [
      // months a harm source did not cover are missing, not zero: a gap in the line
      { name: t("web.hotspot.harm"), values: monthly.harm.map((v, i) => (missing.has(monthly.months[i]) ? null : v)), color: "#c0392b" },
      { name: t("web.hotspot.enforcement"), values: monthly.enforcement, color: "#2e4a7d" },
      { name: t("web.hotspot.prevention"), values: monthly.prevention, color: "#1e7b34" },
    ],
    bands: monthly.periods,
    title: t("web.hotspot.trend"),
  });

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
