// The dashboard's charts: each [data-chart] box names the json_script element holding its data
// (dashboard/charts.py) and is drawn with the vendored ECharts. The numbers stay in the page's
// tables, so nothing is lost without script; the trend's table folds away once its chart is drawn.
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") {
    return;
  }
  var palette = ["#0b5fff", "#b42318", "#127a3b", "#a15c00", "#6941c6"];

  function option(data) {
    var line = data.kind === "line";
    return {
      color: palette,
      animation: false,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, type: "scroll" },
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true } },
      yAxis: line ? { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } } : { type: "value", minInterval: 1 },
      series: data.series.map(function (series) {
        return { name: series.name, type: data.kind, data: series.data, connectNulls: false, barMaxWidth: 28 };
      })
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (box) {
    var source = document.getElementById(box.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (!data.labels.length) {
      return;
    }
    box.classList.add("drawn");
    var chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption(option(data));
    // What the chart shows, for anyone (or any test) reading the page without pixels.
    box.setAttribute("data-points", JSON.stringify(data.series.map(function (s) { return s.data; })));
    window.addEventListener("resize", function () { chart.resize(); });
    var numbers = box.parentElement.querySelector("details.chart-numbers");
    if (numbers) {
      numbers.removeAttribute("open");
    }
  });
})();
