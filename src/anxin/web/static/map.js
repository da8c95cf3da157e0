// The console's map (ECharts): open orders by SLA state, the technicians, and the day plans' routes, drawn
// from the JSON block the page carries (#map-data): a static file, as the Content-Security-Policy allows no
// inline script.
(function () {
  "use strict";
  const page = JSON.parse(document.getElementById("map-data").textContent);
  const points = page.points;
  const names = page.names;
  const routes = page.routes;
  // a tooltip's text is HTML to ECharts: the labels (order numbers, technicians' names) are escaped
  const escape = (text) => String(text).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  const colours = { breached: "#b91c1c", at_risk: "#b45309", on_track: "#0f766e", technician: "#2563eb" };
  const chart = echarts.init(document.getElementById("map"));
  const toggle = document.getElementById("show-routes");

  function option(withRoutes) {
    const series = Object.keys(points).map((key) => ({
      name: names[key], type: "scatter", data: points[key], z: 3,
      symbol: key === "technician" ? "triangle" : "circle", symbolSize: key === "technician" ? 10 : 12,
      itemStyle: { color: colours[key] },
    }));
    if (withRoutes) {
      routes.forEach((r) => series.push({
        name: r.name, type: "line", data: r.points, z: 2, symbolSize: 7,
        lineStyle: { color: r.colour, width: 2, type: "dashed" }, itemStyle: { color: r.colour },
        label: { show: true, position: "top", color: r.colour,
          formatter: (p) => (p.data[3] === null ? "" : String(p.dataIndex + (r.points[0][3] === null ? 0 : 1))) },
      }));
    }
    return {
      animation: false,
      tooltip: { formatter: (p) => escape(p.data[2]) },
      legend: { top: 0, type: "scroll" },
      xAxis: { type: "value", scale: true, name: "lng" },
      yAxis: { type: "value", scale: true, name: "lat" },
      series: series,
    };
  }
  chart.setOption(option(routes.length > 0));
  if (toggle) toggle.addEventListener("change", () => chart.setOption(option(toggle.checked), { notMerge: true }));
  chart.on("click", (p) => { if (p.data && p.data[3]) window.location = "/console?order=" + p.data[3]; });
  window.addEventListener("resize", () => chart.resize());
})();
