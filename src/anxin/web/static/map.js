// The console's map (ECharts): the city's districts as the base map (the vendored GeoJSON the page names in
// #map-data, registered as an ECharts map), the open orders on it by SLA state, the technicians, and the day
// plans' routes. Without a base map for the tenant's city (or if it cannot be loaded) the same points are
// drawn on plain longitude/latitude axes. A static file, as the Content-Security-Policy allows no inline
// script. When drawn, #map carries data-drawn="geo" (or "plain") and data-map="<the map's name>".
(function () {
  "use strict";
  const page = JSON.parse(document.getElementById("map-data").textContent);
  const points = page.points;
  const names = page.names;
  const order = ["breached", "at_risk", "on_track", "technician"].filter((k) => points[k]);  // the legend's order
  const routes = page.routes;
  const city = page.city;
  // a tooltip's text is HTML to ECharts: every word in it (order numbers, names) is escaped
  const escape = (text) => String(text).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  const colours = { breached: "#b91c1c", at_risk: "#d97706", on_track: "#0f766e", technician: "#2563eb" };
  const el = document.getElementById("map");
  const chart = echarts.init(el);
  const toggle = document.getElementById("show-routes");
  let geoReady = false;

  function tooltip(p) {
    if (p.componentType === "geo") return escape(p.name);  // a district
    const d = p.data;
    if (!d) return escape(p.seriesName || "");
    const lines = d.tip || (Array.isArray(d) ? d[4] : null);
    if (lines && lines.length) return lines.map((line, i) => (i === 0 ? "<b>" + escape(line) + "</b>" : escape(line))).join("<br>");
    return escape(d.name !== undefined ? d.name : Array.isArray(d) ? d[2] : p.seriesName);
  }

  // The view: the box around everything drawn (else the whole city), with a margin, so a city's far
  // counties do not shrink the streets where the work is to a dot; fitted into the chart keeping the map's
  // proportions (east-west degrees shortened by the cosine of the latitude).
  function extent(geojson) {
    const all = [];
    Object.keys(points).forEach((k) => points[k].forEach((p) => all.push(p)));
    routes.forEach((r) => r.points.forEach((p) => all.push(p)));
    if (!all.length) {
      const walk = (c) => { if (typeof c[0] === "number") all.push(c); else c.forEach(walk); };
      geojson.features.forEach((f) => walk(f.geometry.coordinates));
    }
    const lngs = all.map((p) => p[0]), lats = all.map((p) => p[1]);
    return { minLng: Math.min(...lngs), maxLng: Math.max(...lngs), minLat: Math.min(...lats), maxLat: Math.max(...lats) };
  }

  function geoView(box, top) {
    const midLng = (box.minLng + box.maxLng) / 2, midLat = (box.minLat + box.maxLat) / 2;
    const halfLng = Math.max(box.maxLng - box.minLng, 0.25) * 0.56, halfLat = Math.max(box.maxLat - box.minLat, 0.2) * 0.56;
    const aspectScale = Math.cos((midLat * Math.PI) / 180);
    if (el.clientWidth < 600) {  // a phone: the map as tall as the box needs, not a fixed tall strip
      const want = Math.round(Math.min(640, Math.max(320, (el.clientWidth * halfLat) / (halfLng * aspectScale) + top + 8)));
      if (Math.abs(el.clientHeight - want) > 4) {
        el.style.height = want + "px";
        el.style.minHeight = "0";
        chart.resize();
      }
    }
    const wide = (2 * halfLng * aspectScale) / (2 * halfLat) > el.clientWidth / Math.max(1, el.clientHeight - top - 8);
    return Object.assign(
      { boundingCoords: [[midLng - halfLng, midLat + halfLat], [midLng + halfLng, midLat - halfLat]], aspectScale: aspectScale },
      wide ? { left: 8, right: 8, top: "middle" } : { top: top, bottom: 8, left: "center" });
  }

  function item(p) {
    return { name: p[2], value: [p[0], p[1]], id: p[3], tip: p[4] };
  }

  function geoOption(withRoutes, kept) {
    const narrow = el.clientWidth < 600;
    const view = Object.assign(geoView(box, narrow ? 36 : 44), kept);
    const series = order.map((key) => ({
      name: names[key], type: "scatter", coordinateSystem: "geo", data: points[key].map(item), z: 4,
      symbol: key === "technician" ? "triangle" : "circle",
      symbolSize: key === "technician" ? (narrow ? 11 : 13) : (narrow ? 9 : 11),
      itemStyle: { color: colours[key], borderColor: "#fff", borderWidth: 1 },
      emphasis: { scale: 1.6 },
    }));
    if (withRoutes) {
      routes.forEach((r) => {
        const fromHome = r.points.length && r.points[0][3] === null;
        series.push({
          name: r.name, type: "lines", coordinateSystem: "geo", polyline: true, z: 3, silent: true,
          data: [{ coords: r.points.map((p) => [p[0], p[1]]) }],
          lineStyle: { color: r.colour, width: 2, type: "dashed", opacity: 0.9 },
        });
        series.push({
          name: r.name, type: "scatter", coordinateSystem: "geo", z: 5, symbolSize: 7,
          data: r.points.map((p, i) => ({ name: p[2], value: [p[0], p[1]], id: p[3],
            seq: p[3] === null ? "" : String(i + (fromHome ? 0 : 1)) })),
          symbol: "circle", itemStyle: { color: r.colour },
          label: { show: true, position: "top", color: r.colour, fontWeight: "bold", formatter: (p) => p.data.seq },
        });
      });
    }
    return {
      animation: false,
      tooltip: { trigger: "item", confine: true, formatter: tooltip },
      legend: { top: 0, type: "scroll", backgroundColor: "rgba(255,255,255,.85)", textStyle: { fontSize: narrow ? 11 : 12 } },
      geo: Object.assign({
        map: city.key, roam: true,
        scaleLimit: { min: 0.8, max: 40 },
        label: { show: true, color: "#475569", fontSize: narrow ? 10 : 12 },
        itemStyle: { areaColor: "#eef4f6", borderColor: "#94a3b8", borderWidth: 1 },
        emphasis: { label: { color: "#0f172a" }, itemStyle: { areaColor: "#dbeafe" } },
        select: { disabled: true },
        tooltip: { show: true },
      }, view),
      series: series,
    };
  }

  function plainOption(withRoutes) {
    const series = order.map((key) => ({
      name: names[key], type: "scatter", data: points[key].map(item), z: 3,
      symbol: key === "technician" ? "triangle" : "circle", symbolSize: key === "technician" ? 10 : 12,
      itemStyle: { color: colours[key] },
    }));
    if (withRoutes) {
      routes.forEach((r) => series.push({
        name: r.name, type: "line", data: r.points.map(item), z: 2, symbolSize: 7,
        lineStyle: { color: r.colour, width: 2, type: "dashed" }, itemStyle: { color: r.colour },
      }));
    }
    return {
      animation: false,
      tooltip: { trigger: "item", confine: true, formatter: tooltip },
      legend: { top: 0, type: "scroll" },
      xAxis: { type: "value", scale: true, name: "lng" },
      yAxis: { type: "value", scale: true, name: "lat" },
      series: series,
    };
  }

  let box = null;
  function draw() {
    const withRoutes = toggle ? toggle.checked : routes.length > 0;
    if (geoReady) {
      const shown = el.dataset.drawn === "geo" ? chart.getOption().geo : null;  // keep the person's pan and zoom
      const kept = shown && shown[0] && shown[0].center ? { center: shown[0].center, zoom: shown[0].zoom } : {};
      chart.setOption(geoOption(withRoutes, kept), { notMerge: true });
      el.dataset.map = city.key;
      el.dataset.drawn = "geo";
    } else {
      chart.setOption(plainOption(withRoutes), { notMerge: true });
      el.dataset.drawn = "plain";
    }
  }

  if (city) {
    chart.showLoading({ text: "" });
    fetch(city.url, { credentials: "same-origin" })
      .then((answer) => (answer.ok ? answer.json() : Promise.reject(new Error(String(answer.status)))))
      .then((geojson) => {
        echarts.registerMap(city.key, geojson);
        geoReady = true;
        box = extent(geojson);
      })
      .catch(() => { geoReady = false; })
      .then(() => { chart.hideLoading(); draw(); });
  } else {
    draw();
  }
  if (toggle) toggle.addEventListener("change", draw);
  chart.on("click", (p) => {
    const id = p.data ? (Array.isArray(p.data) ? p.data[3] : p.data.id) : null;
    if (id) window.location = "/console?order=" + id;
  });
  window.addEventListener("resize", () => { chart.resize(); if (geoReady) draw(); });
})();
