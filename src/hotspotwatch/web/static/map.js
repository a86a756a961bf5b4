/* Map page: MapLibre GL JS from node_modules (no CDN), no basemap needed (boundaries are the reference).

   The events layer comes from /api/v1/map/layer: event points when zoomed in on few enough
   events, else counts per cell (the server decides with level=auto and says so in its caption).
   #map carries data-state (loaded -> ready), data-level, data-shown and data-total for tests
   and the first-paint bench; performance mark "hw-map-data" is set when the layer is drawn. */
"use strict";
(async () => {
  const { t, api, el } = HW;
  const $ = (id) => document.getElementById(id);
  const status = $("map-status");
  const mapDiv = $("map");
  const params = new URLSearchParams(location.search);
  const lang = HW.lang;
  // Everything the first paint needs is asked for at once, not one after the other.
  const soon = (p) => { p.catch(() => null); return p; };
  const early = { me: HW.me(), cfg: soon(api("/public/config")), opts: soon(api(`/map/options?lang=${lang}`)) };
  const user = await early.me;
  if (!user) return HW.loginRedirect();
  if (typeof maplibregl === "undefined") { status.textContent = t("web.map.no_maplibre"); return; }
  let cfg, opts;
  try {
    [cfg, opts] = await Promise.all([early.cfg, early.opts]);
  } catch (e) { HW.showError(status, e); mapDiv.dataset.state = "error"; return; }
  const access = opts.event_access;
  const ROLE_COLOURS = { harm: "#c0392b", enforcement: "#2e4a7d", prevention: "#1e7b34" };
  const RAMP = ["#fde0c5", "#f9b98a", "#f28c5b", "#d9573a", "#a51f1f"];
  // class i of n takes its colour spread over the whole ramp (three classes: light, middle, dark)
  const shade = (i, n) => RAMP[n > 1 ? Math.round((i * (RAMP.length - 1)) / (n - 1)) : 0];

  const style = { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#f4f1ea" } }] };
  if (cfg.tile_url) {
    style.sources.tiles = { type: "raster", tiles: [cfg.tile_url], tileSize: 256, attribution: cfg.tile_attribution || "" };
    style.layers.push({ id: "tiles", type: "raster", source: "tiles", paint: { "raster-opacity": 0.6 } });
  }
  let map;
  try {
    const view = opts.bounds ? { bounds: opts.bounds, fitBoundsOptions: { padding: 10 } } : { center: [4.36, 50.84], zoom: 11 };
    map = new maplibregl.Map(Object.assign({ container: "map", style, attributionControl: { compact: true },
      canvasContextAttributes: { preserveDrawingBuffer: true } }, view));
  } catch (e) {
    status.textContent = t("web.map.no_webgl");
    mapDiv.dataset.state = "no-webgl";
    return;
  }
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));

  // ---- filters -------------------------------------------------------------------------
  const monthFrom = $("month-from"), monthTo = $("month-to"), yearSel = $("year");
  const zoneSel = $("zone"), catSel = $("category"), levelSel = $("level"), shapeSel = $("shape");
  const dataBox = $("layer-data");
  if (params.get("events") === "0") dataBox.checked = false;
  if (window.matchMedia && window.matchMedia("(max-width: 800px)").matches) $("map-filters").open = false;
  $("zone-label").textContent = opts.zone_label ? opts.zone_label[0].toUpperCase() + opts.zone_label.slice(1) : $("zone-label").textContent;
  const add = (sel, value, label) => sel.append(el("option", { value }, label));
  if (access) {
    $("f-months").hidden = false; $("f-category").hidden = false; $("f-display").hidden = false;
    opts.months.forEach((m, i) => {
      const label = (opts.month_labels && opts.month_labels[i]) || m;
      add(monthFrom, m, label); add(monthTo, m, label);
    });
    opts.categories.forEach((c) => add(catSel, c.name, c.label));
  } else {
    $("f-year").hidden = false;
    opts.years.forEach((y) => add(yearSel, String(y), String(y)));
    $("aggregates-only").textContent = t("web.map.aggregates_only", { k: opts.k });
  }
  const roleBox = $("f-roles");
  opts.roles.forEach((r, i) => {
    // Without event access the partition is per role: one at a time (radio buttons).
    const input = el("input", { type: access ? "checkbox" : "radio", name: "role", value: r.name });
    input.checked = access || i === opts.roles.findIndex((x) => x.name === "harm") || (i === 0 && !opts.roles.some((x) => x.name === "harm"));
    roleBox.append(el("label", {}, input, " ", r.label));
  });
  opts.zones.forEach((z) => add(zoneSel, z.code, z.name === z.code ? z.code : `${z.code} ${z.name}`));

  function query(withView) {
    const q = new URLSearchParams({ lang, zoom: map.getZoom().toFixed(2) });
    if (params.get("limit")) q.set("limit", params.get("limit"));
    const roles = [...roleBox.querySelectorAll("input:checked")].map((i) => i.value);
    if (access && roles.length === opts.roles.length) { /* every role: no filter */ } else roles.forEach((r) => q.append("role", r));
    if (zoneSel.value) q.append("zone", zoneSel.value);
    if (access) {
      if (monthFrom.value) q.set("month_from", monthFrom.value);
      if (monthTo.value) q.set("month_to", monthTo.value);
      if (catSel.value) q.append("category", catSel.value);
      q.set("level", levelSel.value);
      q.set("shape", shapeSel.value);
      q.set("cell_size", map.getZoom() >= 12.5 ? "250" : "500");
      if (withView) {
        const b = map.getBounds();
        const c = (v, lo, hi) => Math.min(hi, Math.max(lo, v)).toFixed(5);
        q.set("bbox", [c(b.getWest(), -180, 180), c(b.getSouth(), -90, 90), c(b.getEast(), -180, 180), c(b.getNorth(), -90, 90)].join(","));
      }
    } else if (yearSel.value) q.set("year", yearSel.value);
    return q;
  }
  // Points depend on the view; cells do not (they are counted once per filter and cached).
  function needsView() {
    return access && (levelSel.value === "events" || (levelSel.value === "auto" && map.getZoom() >= opts.event_zoom - 0.01));
  }

  // ---- layers ----------------------------------------------------------------------------
  const empty = { type: "FeatureCollection", features: [] };
  const bounds = (fc) => {
    const b = new maplibregl.LngLatBounds();
    const walk = (c) => (typeof c[0] === "number" ? b.extend(c) : c.forEach(walk));
    fc.features.forEach((f) => walk(f.geometry.coordinates));
    return b;
  };
  const nameOf = (p) => (p && (p["name_" + lang] || p.name || p.code)) || "";
  let hotspots = empty, zonesData = empty;

  function showLegend(layer) {
    const cells = $("legend-cells"), points = $("legend-points");
    cells.hidden = layer.level !== "cells";
    points.hidden = layer.level !== "events";
    if (layer.level === "cells") {
      const ul = cells.querySelector("ul");
      ul.replaceChildren(...layer.legend.map((label, i) =>
        el("li", {}, el("span", { class: "swatch", style: `background:${shade(i, layer.legend.length)}` }), label)));
    } else {
      const present = new Set(layer.events.role.map((i) => layer.events.roles[i]));
      const ul = points.querySelector("ul");
      ul.replaceChildren(...opts.roles.filter((r) => present.has(r.name) || !present.size).map((r) =>
        el("li", {}, el("span", { class: "swatch dot", style: `background:${ROLE_COLOURS[r.name] || "#666"}` }), r.label)));
    }
  }

  function toFeatures(ev) {
    const out = new Array(ev.id.length);
    for (let i = 0; i < ev.id.length; i++) {
      out[i] = { type: "Feature", id: ev.id[i], geometry: { type: "Point", coordinates: [ev.lon[i], ev.lat[i]] },
        properties: { role: ev.roles[ev.role[i]], category: ev.categories[ev.category[i]], date: ev.date[i] } };
    }
    return { type: "FeatureCollection", features: out };
  }

  let seq = 0, lastKey = null, timer = null, firstData = true;
  const keyOf = (q) => [...q.entries()].filter(([k]) => k !== "zoom").map((e) => e.join("=")).join("&");
  // The layer (and the reference layers) are fetched while MapLibre loads its style.
  let prefetched = null;
  if (dataBox.checked) {
    const q = query(needsView());
    prefetched = { key: keyOf(q), promise: soon(api("/map/layer?" + q.toString())) };
  }
  const refs = {
    zones: soon(api("/areas/" + encodeURIComponent(opts.zone_layer) + "?simplify=5")),
    hotspots: soon(api("/hotspots")),
  };
  function markReady() {
    map.once("idle", () => {
      mapDiv.dataset.state = "ready";
      if (firstData) { firstData = false; performance.mark("hw-map-data"); }
    });
    map.triggerRepaint();
  }
  async function refresh(force) {
    const noRole = !roleBox.querySelector("input:checked");  // every role unticked: nothing to show
    if (!dataBox.checked || noRole) {
      map.getSource("cells").setData(empty); map.getSource("events").setData(empty);
      $("legend-cells").hidden = true; $("legend-points").hidden = true;
      status.textContent = noRole && dataBox.checked ? t("web.map.events_shown", { n: 0 }) : ""; lastKey = null;
      seq++;  // an answer still on its way is for filters no longer set
      mapDiv.dataset.level = "none";
      markReady();
      return;
    }
    const q = query(needsView());
    const key = keyOf(q);
    if (!force && key === lastKey) return;
    lastKey = key;
    const mine = ++seq;
    mapDiv.dataset.state = "loading";
    const ask = prefetched && prefetched.key === key ? prefetched.promise : api("/map/layer?" + q.toString());
    prefetched = null;
    let layer;
    try {
      layer = await ask;
    } catch (e) {
      if (mine !== seq) return;
      lastKey = null;
      if (e.status === 429) {
        status.textContent = t("web.map.rate_limited", { s: 5 });
        setTimeout(() => refresh(true), 5000);
      } else HW.showError(status, e);
      mapDiv.dataset.state = "error";
      return;
    }
    if (mine !== seq) return;  // a newer request was sent meanwhile
    if (firstData) performance.mark("hw-map-layer");
    if (layer.level === "cells") {
      const stops = [];
      const n = layer.breaks.length;
      layer.breaks.forEach((b, i) => { if (i > 0) stops.push(b, shade(i, n)); });
      map.setPaintProperty("cells", "fill-color", stops.length ? ["step", ["get", "count"], shade(0, n), ...stops] : shade(0, n));
      map.getSource("cells").setData(layer.cells);
      map.getSource("events").setData(empty);
    } else {
      map.getSource("events").setData(toFeatures(layer.events));
      map.getSource("cells").setData(empty);
    }
    status.textContent = layer.caption;
    mapDiv.dataset.level = layer.level;
    mapDiv.dataset.shown = String(layer.shown);
    mapDiv.dataset.total = layer.total === null ? "" : String(layer.total);
    mapDiv.dataset.capped = String(layer.capped);
    showLegend(layer);
    updateExport(q);
    markReady();
  }
  function later() { clearTimeout(timer); timer = setTimeout(() => refresh(false), 250); }

  function updateExport(q) {
    lastQuery = q.toString();
    for (const fmt of ["csv", "geojson"]) {
      const e = new URLSearchParams(q); e.set("format", fmt);
      $("export-" + fmt).href = "/api/v1/map/export?" + e.toString();
    }
  }
  let lastQuery = "";
  $("export-png").addEventListener("click", async () => {
    try {
      // audited first (map.export, format png): no audit, no file
      await api("/map/export/png", { method: "POST", body: {
        level: mapDiv.dataset.level === "events" || mapDiv.dataset.level === "cells" ? mapDiv.dataset.level : "none",
        shown: Number(mapDiv.dataset.shown || 0), query: lastQuery.slice(0, 2000) } });
    } catch (e) { HW.showError(status, e); return; }
    try {
      map.getCanvas().toBlob((blob) => {
        if (!blob) { status.textContent = t("web.map.png_failed"); return; }
        const a = el("a", { href: URL.createObjectURL(blob), download: "hotspotwatch-map.png" });
        document.body.append(a); a.click(); a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      }, "image/png");
    } catch (e) { status.textContent = t("web.map.png_failed"); }
  });

  // ---- search and hover ---------------------------------------------------------------------
  const search = $("hs-search");
  function flyTo() {
    const q = search.value.trim().toLowerCase();
    if (!q) return;
    const f = hotspots.features.find((x) => nameOf(x.properties).toLowerCase() === q)
      || hotspots.features.find((x) => nameOf(x.properties).toLowerCase().startsWith(q))
      || hotspots.features.find((x) => nameOf(x.properties).toLowerCase().includes(q));
    if (!f) { $("search-msg").textContent = t("web.map.search_none", { q: search.value.trim() }); return; }
    $("search-msg").textContent = nameOf(f.properties);
    map.fitBounds(bounds({ features: [f] }), { padding: 60, maxZoom: 16, duration: 600 });
  }
  search.addEventListener("change", flyTo);
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); flyTo(); } });

  const hover = $("map-hover");
  function hoverText(point) {
    const layers = ["events", "cells", "hotspots-hit", "communes-hit", "zones-hit"].filter((l) => map.getLayer(l));
    const lines = [];
    const seen = new Set();
    for (const f of map.queryRenderedFeatures(point, { layers })) {
      const id = f.layer.id;
      if (seen.has(id)) continue;
      seen.add(id);
      const p = f.properties;
      if (id === "events") {
        const cat = (opts.categories || []).find((c) => c.name === p.category);
        lines.push(`${cat ? cat.label : p.category} · ${p.date}`);
      } else if (id === "cells") lines.push(t("web.map.hover_count", { n: Number(p.count).toLocaleString(lang) }));
      else if (id === "hotspots-hit") lines.push(`${nameOf(p)} (${t("web.map.kind_hotspot")})`);
      else if (id === "communes-hit") lines.push(`${nameOf(p)} (${t("web.map.kind_commune")})`);
      else if (id === "zones-hit") lines.push(`${nameOf(p)} (${opts.zone_label || t("web.map.kind_zone")})`);
    }
    return lines;
  }
  map.on("mousemove", (e) => {
    const lines = hoverText(e.point);
    if (!lines.length) { hover.hidden = true; map.getCanvas().style.cursor = ""; return; }
    hover.replaceChildren(...lines.map((l) => el("div", {}, l)));
    hover.style.left = `${e.point.x + 12}px`;
    hover.style.top = `${e.point.y + 12}px`;
    hover.hidden = false;
    map.getCanvas().style.cursor = lines.some((l) => l.includes(t("web.map.kind_hotspot"))) ? "pointer" : "";
  });
  map.on("mouseout", () => { hover.hidden = true; });
  // Phones have no hover: a tap names what is under the finger; a second tap on the same
  // hotspot opens its page.
  const touch = !!(window.matchMedia && window.matchMedia("(hover: none)").matches);
  let tappedHotspot = null;
  map.on("click", (e) => {
    if (!touch) return;
    const lines = hoverText(e.point);
    hover.replaceChildren(...lines.map((l) => el("div", {}, l)));
    hover.style.left = `${Math.min(e.point.x + 8, mapDiv.clientWidth - 160)}px`;
    hover.style.top = `${e.point.y + 8}px`;
    hover.hidden = !lines.length;
  });

  // ---- load ---------------------------------------------------------------------------------
  map.on("load", () => {
    performance.mark("hw-map-style");
    const src = (id) => map.addSource(id, { type: "geojson", data: empty });
    src("cells");
    map.addLayer({ id: "cells", type: "fill", source: "cells", paint: { "fill-color": RAMP[0], "fill-opacity": 0.7, "fill-outline-color": "rgba(120,60,20,0.25)" } });
    src("gistar");
    // Gi* is off at first: its fill would tint the counts underneath (the checkbox shows it).
    map.addLayer({ id: "gistar", type: "fill", source: "gistar", layout: { visibility: "none" },
      paint: { "fill-color": ["case", [">", ["get", "bin"], 0], "#c0392b", "#2e86c1"], "fill-opacity": ["interpolate", ["linear"], ["abs", ["get", "bin"]], 1, 0.2, 3, 0.5] } });
    src("communes");
    map.addLayer({ id: "communes", type: "line", source: "communes", layout: { visibility: "none" }, paint: { "line-color": "#777", "line-width": 0.8 } });
    map.addLayer({ id: "communes-hit", type: "fill", source: "communes", layout: { visibility: "none" }, paint: { "fill-color": "#000", "fill-opacity": 0 } });
    src("zones");
    map.addLayer({ id: "zones", type: "line", source: "zones", paint: { "line-color": "#333", "line-width": 1.5, "line-dasharray": [3, 2] } });
    map.addLayer({ id: "zones-hit", type: "fill", source: "zones", paint: { "fill-color": "#000", "fill-opacity": 0 } });
    src("hotspots");
    map.addLayer({ id: "hotspots-hit", type: "fill", source: "hotspots", paint: { "fill-color": "#6c2eb9", "fill-opacity": 0.06 } });
    map.addLayer({ id: "hotspots", type: "line", source: "hotspots", paint: { "line-color": "#6c2eb9", "line-width": 2.5 } });
    src("events");
    map.addLayer({ id: "events", type: "circle", source: "events",
      paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 11, 2, 16, 5], "circle-color": ["match", ["get", "role"], "harm", ROLE_COLOURS.harm, "enforcement", ROLE_COLOURS.enforcement, ROLE_COLOURS.prevention],
        "circle-opacity": 0.8, "circle-stroke-color": "#fff", "circle-stroke-width": 0.5 } });
    mapDiv.dataset.state = "loaded";
    // Everything at once: the data layer does not wait for the reference layers.
    refresh(true);
    refs.zones.then((z) => { zonesData = z; map.getSource("zones").setData(z); }).catch(() => { /* no zone layer */ });
    refs.hotspots.then((h) => {
      hotspots = h;
      map.getSource("hotspots").setData(h);
      $("hs-names").replaceChildren(...h.features.map((f) => el("option", { value: nameOf(f.properties) })));
    }).catch(() => { /* none */ });
    map.on("click", "hotspots-hit", (e) => {
      const f = e.features && e.features[0];
      if (!f) return;
      if (touch && tappedHotspot !== f.properties.hotspot_id) { tappedHotspot = f.properties.hotspot_id; return; }
      location.href = "/hotspots/" + f.properties.hotspot_id;
    });
    map.on("moveend", () => { mapDiv.dataset.zoom = map.getZoom().toFixed(2); later(); });
    mapDiv.dataset.zoom = map.getZoom().toFixed(2);
  });
  let communesLoaded = false, gistarLoaded = false;
  map.on("error", (e) => { if (e && e.error && /webgl/i.test(String(e.error.message))) status.textContent = t("web.map.no_webgl"); });
  [monthFrom, monthTo, yearSel, zoneSel, catSel, levelSel, shapeSel].forEach((s) => s.addEventListener("change", () => refresh(false)));
  roleBox.addEventListener("change", () => refresh(false));
  zoneSel.addEventListener("change", () => {
    if (!zoneSel.value || !zonesData.features) return;
    const f = zonesData.features.find((x) => String(x.properties.code) === zoneSel.value);
    if (f) map.fitBounds(bounds({ features: [f] }), { padding: 30, duration: 500 });
  });
  document.querySelectorAll("input[data-layer]").forEach((box) => box.addEventListener("change", () => {
    const name = box.dataset.layer;
    if (name === "data") { refresh(true); return; }
    const ids = name === "communes" ? ["communes", "communes-hit"] : name === "hotspots" ? ["hotspots", "hotspots-hit"] : name === "zones" ? ["zones", "zones-hit"] : [name];
    ids.forEach((id) => { if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", box.checked ? "visible" : "none"); });
    if (name === "gistar") document.querySelectorAll(".legend-gistar").forEach((li) => { li.hidden = !box.checked; });
    if (name === "gistar" && box.checked && !gistarLoaded) {  // fetched when first shown
      gistarLoaded = true;
      api("/results/gistar/cells").then((g) => map.getSource("gistar").setData(g)).catch((e) => { gistarLoaded = false; HW.showError(status, e); });
    }
    if (name === "communes" && box.checked && !communesLoaded) {
      communesLoaded = true;
      api("/areas/commune?simplify=5").then((c) => map.getSource("communes").setData(c)).catch(() => { communesLoaded = false; });
    }
  }));
})();
