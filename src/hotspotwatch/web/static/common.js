/* Shared helpers: texts, API calls (cookie session + CSRF header), formatting. */
"use strict";
const HW = (() => {
  const texts = JSON.parse(document.getElementById("texts").textContent || "{}");
  const lang = document.body.dataset.lang || "en";
  function t(key, params) {
    let s = texts[key];
    // A count's text is a plural table (key.one, key.other...): a number n chooses the form.
    if (s === undefined && params && typeof params.n === "number" && texts[key + ".other"] !== undefined) return plural(key, params.n, params);
    if (s === undefined) return key;
    if (params) for (const [k, v] of Object.entries(params)) s = s.split("{" + k + "}").join(String(v));
    return s;
  }
  function cookie(name) {
    const m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : null;
  }
  class ApiError extends Error {
    constructor(status, detail) { super(typeof detail === "string" ? detail : JSON.stringify(detail)); this.status = status; }
  }
  async function api(path, opts = {}) {
    const headers = Object.assign({ Accept: "application/json" }, opts.headers || {});
    const init = { method: opts.method || "GET", headers, credentials: "same-origin" };
    if (opts.body !== undefined) { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(opts.body); }
    if (init.method !== "GET") { const c = cookie("hw_csrf"); if (c) headers["X-CSRF-Token"] = c; }
    const r = await fetch("/api/v1" + path, init);
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    if (!r.ok) throw new ApiError(r.status, data && data.detail !== undefined ? data.detail : r.statusText);
    return data;
  }
  /* Where to go after login: `next` only if it resolves to this page's own origin
     (`/\\evil.example`, `//evil.example`, `https://evil.example` all go to /strategy). */
  function safeNext(next) {
    if (!next) return "/strategy";
    let u;
    try { u = new URL(next, location.origin); } catch (e) { return "/strategy"; }
    if (u.origin !== location.origin || !next.startsWith("/") || /^\/[\/\\]/.test(next)) return "/strategy";
    return u.pathname + u.search + u.hash;
  }
  function loginRedirect() {
    location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
  }
  function fmt(x, digits = 2) {
    if (x === null || x === undefined || Number.isNaN(x)) return "–";
    // U+2212 minus sign, as the report prints negative numbers
    return Number(x).toLocaleString(lang, { maximumFractionDigits: digits, minimumFractionDigits: digits }).replace(/^-/, "\u2212");
  }
  // p-values as the report prints them: three decimals, "< 0.001" below.
  function pvalue(p) {
    if (p === null || p === undefined || Number.isNaN(p)) return "–";
    return p < 0.001 ? "< " + fmt(0.001, 3) : fmt(p, 3);
  }
  function int(x) { return x === null || x === undefined ? "–" : Number(x).toLocaleString(lang); }
  // The form of a plural table for n by the language's CLDR rule (Intl.PluralRules uses the
  // same CLDR data as Babel on the server: French 0 and 1 take "one", Dutch and English 1 only).
  const pluralRules = new Intl.PluralRules(lang);
  function plural(key, n, params) {
    const form = key + "." + pluralRules.select(Number(n));
    return t(texts[form] !== undefined ? form : key + ".other", Object.assign({}, params || {}, { n: int(n) }));
  }
  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) { if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v); }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }
  function verdictText(v) { return v ? t("evaluate.verdict." + v) : "–"; }
  function showError(target, err) {
    if (!target) return;
    if (err && err.status === 401) { target.textContent = t("web.common.login_needed"); return; }
    if (err && err.status === 403) { target.textContent = t("web.common.forbidden"); return; }
    if (err && err.status === 404) { target.textContent = t("web.common.not_computed", { message: err.message }); return; }
    target.textContent = t("web.common.error", { message: err && err.message ? err.message : String(err) });
  }
  let mePromise = null;
  function me() {
    if (!mePromise) mePromise = api("/auth/me").catch(() => null);
    return mePromise;
  }
  async function header() {
    const who = document.getElementById("who");
    const login = document.getElementById("login-link");
    const logout = document.getElementById("logout");
    const user = await me();
    if (user) {
      who.textContent = t("web.common.signed_in_as", { user: user.username, role: t("web.role." + user.role) });
      login.hidden = true; logout.hidden = false;
      logout.addEventListener("click", async () => {
        try { await api("/auth/logout", { method: "POST" }); } catch (e) { /* already gone */ }
        location.href = "/public";
      });
    }
  }
  /* Save a PNG (a data URL drawn in the page) as ``filename``, after telling the API, which
     audits every export (``export.png``); no audit, no file. */
  async function savePng(dataUrl, filename, audit) {
    await api("/export/png", { method: "POST", body: audit });
    const a = el("a", { href: dataUrl, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
  }
  /* A row of export buttons: [{label, href} | {label, onClick}] (href: an API download). */
  function exportBar(target, items, status) {
    target.replaceChildren();
    target.classList.add("exports");
    for (const it of items) {
      if (it.href) { target.append(el("a", { class: "btn-export", href: it.href, download: "", "data-format": it.format || "" }, it.label)); continue; }
      const b = el("button", { type: "button", class: "btn-export", "data-format": it.format || "" }, it.label);
      b.addEventListener("click", async () => {
        try { await it.onClick(); } catch (e) { showError(status || target, e); }
      });
      target.append(b);
    }
  }
  /* A run parameter as the pages state it (``outcome``: the outcome's label in words). */
  function paramText(key, value, outcomeLabel) {
    if (key === "outcome" && outcomeLabel) return outcomeLabel;
    if (key === "fdr" && texts["web.pages.method." + value] !== undefined) return t("web.pages.method." + value);
    if (typeof value === "boolean") return t(value ? "web.pages.yes" : "web.pages.no");
    if (Array.isArray(value)) return value.join(", ");
    return value === null || value === undefined ? "–" : String(value);
  }
  document.addEventListener("DOMContentLoaded", header);
  return { t, plural, api, ApiError, fmt, pvalue, int, el, me, lang, loginRedirect, safeNext, verdictText, showError, cookie, savePng, exportBar, paramText };
})();
