/* Map page: MapLibre GL JS from node_modules (no CDN), no basemap needed (boundaries are the reference). */
"use strict";
(async () => {
  const { t, api } = HW;
  const status = document.getElementById("map-status");
  const user = await HW.me();
  if (!user) return HW.loginRedirect();
  if (typeof maplibregl === "undefined") { status.textContent = t("web.map.no_maplibre"); return; }
  const cfg = await api("/public/config");
  const canEvents = user.role === "regional_analyst" || user.role === "zone_analyst";
  const style = { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#f4f1ea" } }] };
  if (cfg.tile_url) {
    style.sources.tiles = { type: "raster", tiles: [cfg.tile_url], tileSize: 256, attribution: cfg.tile_attribution || "" };
    style.layers.push({ id: "tiles", type: "raster", source: "tiles", paint: { "raster-opacity": 0.6 } });
  }
  let map;
  try {
    map = new maplibregl.Map({ container: "map", style, center: [4.36, 50.84], zoom: 11, attributionControl: { compact: true } });
  } catch (e) {
    status.textContent = t("web.map.no_webgl");
    document.getElementById("map").dataset.state = "no-webgl";
    return;
  }
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  const slider = document.getElementById("month");
  const label = document.getElementById("month-label");
  slider.max = String(cfg.months.length);
  slider.value = "0";
  const empty = { type: "FeatureCollection", features: [] };
  const bounds = (fc) => {
    const b = new maplibregl.LngLatBounds();
    const walk = (c) => (typeof c[0] === "number" ? b.extend(c) : c.forEach(walk));
    fc.features.forEach((f) => walk(f.geometry.coordinates));
    return b;
  };
  function monthRange() {
    const i = Number(slider.value);
    if (i === 0) return null;
    const m = cfg.months[i - 1];
    const [y, mo] = m.split("-").map(Number);
    const next = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, "0")}`;
    return { start: m + "-01", end: next + "-01", label: m };
  }
  async function refresh() {
    const r = monthRange();
    label.textContent = r ? (canEvents ? r.label : r.label.slice(0, 4)) : t("web.map.all_months");
    const q = r ? `&start=${r.start}&end=${r.end}` : "";
    // Without event access the grid is the fixed partition: 500 m cells, calendar years.
    const g = canEvents ? `cell_size=250${q}` : (r ? `year=${r.label.slice(0, 4)}` : "");
    try {
      map.getSource("density").setData(await api(`/grid?${g}`));
    } catch (e) { map.getSource("density").setData(empty); }
    if (canEvents) {
      try {
        const ev = await api(`/events?limit=5000${q}`);
        map.getSource("events").setData(ev);
        status.textContent = t("web.map.events_shown", { n: ev.features.length });
      } catch (e) { HW.showError(status, e); }
    } else {
      status.textContent = t("web.map.events_hidden");
    }
  }
  map.on("load", async () => {
    map.addSource("density", { type: "geojson", data: empty });
    map.addLayer({ id: "density", type: "fill", source: "density", filter: ["!=", ["get", "count"], null],
      paint: { "fill-color": ["interpolate", ["linear"], ["get", "count"], 1, "#fde0c5", 10, "#f59e72", 40, "#c0392b"], "fill-opacity": 0.6 } });
    map.addSource("gistar", { type: "geojson", data: empty });
    map.addLayer({ id: "gistar", type: "fill", source: "gistar",
      paint: { "fill-color": ["case", [">", ["get", "bin"], 0], "#c0392b", "#2e86c1"], "fill-opacity": ["interpolate", ["linear"], ["abs", ["get", "bin"]], 1, 0.25, 3, 0.7] } });
    map.addSource("zones", { type: "geojson", data: empty });
    map.addLayer({ id: "zones", type: "line", source: "zones", paint: { "line-color": "#333", "line-width": 1.5, "line-dasharray": [3, 2] } });
    map.addSource("hotspots", { type: "geojson", data: empty });
    map.addLayer({ id: "hotspots", type: "line", source: "hotspots", paint: { "line-color": "#6c2eb9", "line-width": 2.5 } });
    map.addSource("events", { type: "geojson", data: empty });
    map.addLayer({ id: "events", type: "circle", source: "events",
      paint: { "circle-radius": 3, "circle-color": ["match", ["get", "role"], "harm", "#c0392b", "enforcement", "#2e4a7d", "#1e7b34"], "circle-opacity": 0.8 } });
    try {
      const zones = await api("/areas/police_zone");
      map.getSource("zones").setData(zones);
      if (zones.features.length) map.fitBounds(bounds(zones), { padding: 20, duration: 0 });
    } catch (e) { /* no zone layer in this workspace */ }
    try { map.getSource("hotspots").setData(await api("/hotspots")); } catch (e) { /* none */ }
    try { map.getSource("gistar").setData(await api("/results/gistar/cells")); } catch (e) { /* not computed */ }
    map.on("click", "hotspots", (e) => { const f = e.features && e.features[0]; if (f) location.href = "/hotspots/" + f.properties.hotspot_id; });
    document.getElementById("map").dataset.state = "loaded";
    await refresh();
  });
  map.on("error", (e) => { if (e && e.error && /webgl/i.test(String(e.error.message))) status.textContent = t("web.map.no_webgl"); });
  slider.addEventListener("input", refresh);
  document.querySelectorAll("input[data-layer]").forEach((box) => box.addEventListener("change", () => {
    if (map.getLayer(box.dataset.layer)) map.setLayoutProperty(box.dataset.layer, "visibility", box.checked ? "visible" : "none");
  }));
})();
