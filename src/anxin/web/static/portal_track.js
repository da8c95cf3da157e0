// The customer's technician on the way (portal order page, web/portal_track.py): the arrival in words and,
// while en route, an ECharts map of the tenant's city's districts (state.base_map, web/city_maps.py) with the
// technician's position, the customer's home and a straight line between them. The page carries the
// first state as JSON (#track-data: the CSP runs no inline script); the script asks the server again every
// `refresh_seconds` (and at once when the order's status on the page changes), without reloading the page.
(function () {
  "use strict";
  const card = document.getElementById("tracking");
  const first = document.getElementById("track-data");
  if (!card || !first || typeof echarts === "undefined") return;
  const text = document.getElementById("track-text");
  const basis = document.getElementById("track-basis");
  const box = document.getElementById("track-map");
  let chart = null;
  let mapKey = null; // the districts' map registered with ECharts, fetched once
  let last = JSON.parse(first.textContent);

  async function districts(state) {
    if (mapKey) return true;
    const base = state.base_map;
    if (!base) { // a city without vendored districts: the two points on an empty map
      echarts.registerMap("blank", { type: "FeatureCollection", features: [] });
      mapKey = "blank";
      return true;
    }
    try {
      const response = await fetch(base.url, { credentials: "same-origin" });
      if (!response.ok) return false;
      echarts.registerMap(base.key, await response.json());
      mapKey = base.key;
      return true;
    } catch (error) {
      return false;
    }
  }

  // the box the two points sit in, with a margin, so the map shows the neighbourhood, not the whole city
  function bounds(points) {
    const lngs = points.map((p) => p[0]), lats = points.map((p) => p[1]);
    const pad = Math.max(0.012, (Math.max(...lngs) - Math.min(...lngs)) * 0.35, (Math.max(...lats) - Math.min(...lats)) * 0.35);
    return [[Math.min(...lngs) - pad, Math.max(...lats) + pad], [Math.max(...lngs) + pad, Math.min(...lats) - pad]];
  }

  function option(state) {
    const points = [state.technician, state.home].filter(Boolean);
    const series = [];
    if (state.technician && state.home) {
      series.push({
        type: "lines", coordinateSystem: "geo", silent: true, z: 2,
        data: [{ coords: [state.technician, state.home] }],
        lineStyle: { color: "#2563eb", width: 3, type: "dashed", opacity: 0.9 },
      });
    }
    if (state.home) {
      series.push({
        type: "scatter", coordinateSystem: "geo", z: 3, symbol: "pin", symbolSize: 34,
        itemStyle: { color: "#0f766e" },
        label: { show: true, position: "bottom", formatter: state.labels.home, color: "#0f172a", fontWeight: "bold" },
        data: [{ name: state.labels.home, value: state.home }],
      });
    }
    if (state.technician) {
      series.push({
        type: "effectScatter", coordinateSystem: "geo", z: 4, symbolSize: 14,
        rippleEffect: { scale: 3, brushType: "stroke" },
        itemStyle: { color: "#2563eb" },
        label: { show: true, position: "top", formatter: state.labels.technician, color: "#1e3a8a", fontWeight: "bold" },
        data: [{ name: state.labels.technician, value: state.technician }],
      });
    }
    return {
      animation: false,
      geo: {
        map: mapKey, roam: true, silent: true,
        boundingCoords: points.length ? bounds(points) : undefined,
        itemStyle: { areaColor: "#eef2f7", borderColor: "#94a3b8", borderWidth: 1 },
        label: { show: true, color: "#94a3b8", fontSize: 11 },
      },
      series: series,
    };
  }

  async function draw(state) {
    text.textContent = state.text;
    basis.textContent = state.basis;
    card.hidden = !state.on_the_way;
    if (!state.on_the_way) return;
    if (!(await districts(state))) return;
    if (!chart) chart = echarts.init(box);
    chart.setOption(option(state), { notMerge: true });
    chart.resize();
  }

  async function poll() {
    try {
      const response = await fetch(card.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      last = await response.json();
      await draw(last);
    } catch (error) {
      // offline for a moment: the next round tries again
    }
  }

  draw(last);
  setInterval(poll, (last.refresh_seconds || 30) * 1000);
  // the live part of the page (htmx, every few seconds) shows a new status: ask at once
  let status = (document.getElementById("order-status") || {}).textContent;
  document.body.addEventListener("htmx:afterSwap", () => {
    const now = (document.getElementById("order-status") || {}).textContent;
    if (now !== status) { status = now; poll(); }
  });
  window.addEventListener("resize", () => { if (chart) chart.resize(); });
})();
