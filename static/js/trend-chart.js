/* A school's results over time: draws every `.chart[data-trend]` with ECharts (static/vendor).
 *
 * `data-trend` names a json_script block holding a list of
 *   {"exam_name": "…", "date": "YYYY-MM-DD", "composite": 71.2, "rank": 3, "ranked": 12}
 * oldest first. The composite is a line on the left axis; the rank a line on the right axis,
 * reversed so that a better rank is higher.
 */
(function () {
  "use strict";

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-trend"));
    if (!source || !window.echarts) { return; }
    var rows;
    try { rows = JSON.parse(source.textContent); } catch (e) { return; }
    var narrow = el.clientWidth < 480;
    var composite = el.getAttribute("data-label-composite") || "综合指数";
    var rank = el.getAttribute("data-label-rank") || "名次";
    var worst = Math.max.apply(null, rows.map(function (r) { return r.ranked || r.rank || 1; }).concat([2]));
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var option = function () {
      return {
        color: ["#1d4ed8", "#b4232a"],
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 8, top: 48, bottom: 8, containLabel: true },
        xAxis: {
          type: "category",
          data: rows.map(function (r) { return r.exam_name; }),
          axisLabel: {
            fontSize: 11, interval: 0, hideOverlap: true,
            rotate: narrow && rows.length > 3 ? 30 : 0,
            formatter: function (value, i) {
              var row = rows[i];
              return narrow ? row.date.slice(2) : row.date + "\n" + value;
            },
            width: narrow ? 80 : 160, overflow: "truncate"
          }
        },
        yAxis: [
          { type: "value", name: composite, scale: true, axisLabel: { fontSize: 11 } },
          { type: "value", name: rank, nameLocation: "start", inverse: true, min: 1, max: worst,
            minInterval: 1, splitLine: { show: false }, axisLabel: { fontSize: 11 } }
        ],
        series: [
          { name: composite, type: "line", data: rows.map(function (r) { return r.composite; }),
            label: { show: !narrow, position: "top", fontSize: 11 } },
          { name: rank, type: "line", yAxisIndex: 1, data: rows.map(function (r) { return r.rank; }),
            label: { show: !narrow, position: "top", fontSize: 11 } }
        ]
      };
    };
    chart.setOption(option());
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { narrow = el.clientWidth < 480; chart.setOption(option(), true); chart.resize(); }, 150);
    });
  }

  var done = false;
  function init() {
    if (done || !window.echarts) { return; }
    done = true;
    document.querySelectorAll(".chart[data-trend]").forEach(draw);
  }

  // This script may run before ECharts (both deferred, this one first in the page): draw once
  // the document, and so every deferred script, is ready.
  if (document.readyState === "complete") {
    init();
  } else {
    document.addEventListener("DOMContentLoaded", init);
    window.addEventListener("load", init);
  }
})();
