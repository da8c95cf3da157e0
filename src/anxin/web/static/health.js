// An appliance's health chart (ECharts), drawn from the data-chart attribute of each .health-chart: a static
// file, as the Content-Security-Policy allows no inline script. The card arrives by htmx or in the page; this
// file runs each time it is inserted, draws what is not drawn yet, and loads the vendored ECharts once.
(function () {
  "use strict";
  function label(iso, lang) {
    const d = new Date(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":00";
  }
  function draw() {
    document.querySelectorAll(".health-chart[data-chart]:not([data-drawn])").forEach(function (el) {
      el.setAttribute("data-drawn", "1");
      const data = JSON.parse(el.getAttribute("data-chart"));
      const selected = {};
      data.series.forEach(function (s, i) { selected[s.name] = i < data.selected; });
      const chart = echarts.init(el);
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", top: 0, selected: selected },
        grid: { left: 44, right: 30, top: 36, bottom: 28 },
        xAxis: { type: "category", data: data.hours.map((h) => label(h, data.lang)) },
        yAxis: { type: "value", scale: true },
        series: data.series.map(function (s) {
          return { name: s.name, type: "line", showSymbol: false, connectNulls: false, data: s.values };
        }),
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (window.echarts) {
    draw();
  } else if (!window.anxinEchartsLoading) {
    window.anxinEchartsLoading = true;
    const script = document.createElement("script");
    script.src = "/static/vendor/echarts-5.6.0.min.js";
    script.onload = draw;
    document.head.appendChild(script);
  }
})();
