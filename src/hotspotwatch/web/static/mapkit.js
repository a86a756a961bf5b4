/* Shared MapLibre helpers (hotspot page; free for any page): the base style (a plain
   background, the configured raster tiles if any), a map that says so when WebGL is missing,
   the bounds of a FeatureCollection, a hover label with a feature's name, and the map as PNG.
   Requires maplibre-gl.js (node_modules, served at /vendor/maplibre-gl/) and common.js. */
"use strict";
const HWMap = (() => {
  function baseStyle(cfg) {
    const style = { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#f4f1ea" } }] };
    if (cfg && cfg.tile_url) {
      style.sources.tiles = { type: "raster", tiles: [cfg.tile_url], tileSize: 256, attribution: cfg.tile_attribution || "" };
      style.layers.push({ id: "tiles", type: "raster", source: "tiles", paint: { "raster-opacity": 0.6 } });
    }
    return style;
  }
  /* A map in ``container`` (an element id), or null with ``status`` saying why
     (no MapLibre, no WebGL); sets ``data-state`` on the container: "no-webgl" or, once the
     style is loaded, "loaded". The drawing buffer is kept so that the map can be saved. */
  function create(container, status, cfg, opts = {}) {
    const el = document.getElementById(container);
    if (typeof maplibregl === "undefined") { if (status) status.textContent = HW.t("web.map.no_maplibre"); el.dataset.state = "no-maplibre"; return null; }
    let map;
    try {
      map = new maplibregl.Map(Object.assign({ container, style: baseStyle(cfg), center: [4.36, 50.84], zoom: 12,
        attributionControl: { compact: true }, canvasContextAttributes: { preserveDrawingBuffer: true } }, opts));
    } catch (e) {
      if (status) status.textContent = HW.t("web.map.no_webgl");
      el.dataset.state = "no-webgl";
      return null;
    }
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
    map.on("error", (e) => { if (status && e && e.error && /webgl/i.test(String(e.error.message))) status.textContent = HW.t("web.map.no_webgl"); });
    return map;
  }
  function bounds(fc, keep = () => true) {
    const b = new maplibregl.LngLatBounds();
    const walk = (c) => (typeof c[0] === "number" ? b.extend(c) : c.forEach(walk));
    fc.features.filter(keep).forEach((f) => walk(f.geometry.coordinates));
    return b;
  }
  /* Show ``properties.name`` of the feature under the pointer in ``layers`` (a tooltip that
     follows the pointer; also on touch, where it stays until the next tap). */
  function hoverNames(map, layers, label = (p) => p.name) {
    const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, className: "hw-hover", offset: 10 });
    const show = (e) => {
      const f = e.features && e.features[0];
      if (!f) return;
      map.getCanvas().style.cursor = f.properties.hotspot_id ? "pointer" : "";
      popup.setLngLat(e.lngLat).setText(label(f.properties)).addTo(map);
    };
    for (const id of layers) {
      map.on("mousemove", id, show);
      map.on("mouseleave", id, () => { map.getCanvas().style.cursor = ""; popup.remove(); });
    }
    return popup;
  }
  function toPng(map) { return map.getCanvas().toDataURL("image/png"); }
  return { baseStyle, create, bounds, hoverNames, toPng };
})();
