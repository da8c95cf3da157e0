// The dashboard's charts (ECharts), drawn from the JSON block the page carries (#dashboard-data): a static
// file, as the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  const page = JSON.parse(document.getElementById("dashboard-data").textContent);
  const data = page.data;
  const words = page.words;
  const pct = (v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10);
  const charts = [];
  function draw(id, option) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption(Object.assign({ animation: false, tooltip: { trigger: "axis" } }, option));
    charts.push(chart);
  }
  const dates = data.trend.map((p) => p.date);
  const line = (key, name) => ({ name, type: "line", yAxisIndex: 1, connectNulls: false, data: data.trend.map((p) => pct(p.kpis[key])) });
  draw("chart-trend", {
    legend: { top: 0 },
    xAxis: { type: "category", data: dates },
    yAxis: [{ type: "value", name: words.orders }, { type: "value", name: "%", min: 0, max: 100 }],
    series: [
      { name: words.orders, type: "bar", data: data.trend.map((p) => p.kpis.orders), itemStyle: { color: "#cbd5e1" } },
      line("responded_within_30m", words.responded),
      line("arrived_within_4h", words.arrived),
      line("completed_within_24h", words.completed),
      line("satisfaction", words.satisfaction),
    ],
  });
  for (const group of ["area", "outlet", "category", "brand"]) {
    const rows = (data.breakdowns[group] || []).slice(0, 20);
    draw("chart-" + group, {
      legend: { top: 0 },
      grid: { left: 100 },
      xAxis: { type: "category", data: rows.map((g) => String(g.label)) },
      yAxis: [{ type: "value", name: words.orders }, { type: "value", name: "%", min: 0, max: 100 }],
      series: [
        { name: words.orders, type: "bar", data: rows.map((g) => g.kpis.orders), itemStyle: { color: "#94a3b8" } },
        { name: words.responded, type: "line", yAxisIndex: 1, data: rows.map((g) => pct(g.kpis.responded_within_30m)) },
        { name: words.ftf, type: "line", yAxisIndex: 1, data: rows.map((g) => pct(g.kpis.first_time_fix_rate)) },
        { name: words.satisfaction, type: "line", yAxisIndex: 1, data: rows.map((g) => pct(g.kpis.satisfaction)) },
      ],
    });
  }
  const dims = ["attitude", "skill", "punctuality", "promises", "overall"];
  draw("chart-dimensions", {
    xAxis: { type: "category", data: dims.map((d) => words[d]) },
    yAxis: { type: "value", min: 0, max: 5 },
    series: [{ type: "bar", data: dims.map((d) => data.kpis.satisfaction_dimensions[d]), itemStyle: { color: "#0f766e" } }],
  });
  const revenue = data.kpis.revenue_fen_by_billing_category;
  draw("chart-revenue", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: "65%", data: Object.keys(revenue).filter((c) => revenue[c] > 0).map((c) => ({ name: words[c] || c, value: revenue[c] / 100 })) }],
  });
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
