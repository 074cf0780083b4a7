/* The targets board's heat map: schools × targets coloured red / amber / green (ECharts).
 *
 * `data-heat` names a json_script block {"x": [target names], "y": [school names],
 * "data": [[x, y, 0 | 1 | 2]], "labels": ["落后", "接近", "达标"]}. Nothing is built from
 * strings: the names go to ECharts as data.
 */
(function () {
  "use strict";
  var COLORS = ["#b4232a", "#b7791f", "#1f7a3d"];

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-heat"));
    if (!source || !window.echarts) { return; }
    var spec;
    try { spec = JSON.parse(source.textContent); } catch (e) { return; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: {
        formatter: function (p) {
          return spec.y[p.value[1]] + "<br>" + spec.x[p.value[0]] + "：" + spec.labels[p.value[2]];
        }
      },
      grid: { left: 8, right: 8, top: 8, bottom: 48, containLabel: true },
      xAxis: { type: "category", data: spec.x, axisLabel: { interval: 0, rotate: spec.x.length > 4 ? 30 : 0, fontSize: 11 } },
      yAxis: { type: "category", data: spec.y, inverse: true, axisLabel: { fontSize: 11 } },
      visualMap: {
        type: "piecewise", orient: "horizontal", left: "center", bottom: 0,
        pieces: [
          { value: 0, label: spec.labels[0], color: COLORS[0] },
          { value: 1, label: spec.labels[1], color: COLORS[1] },
          { value: 2, label: spec.labels[2], color: COLORS[2] }
        ]
      },
      series: [{ type: "heatmap", data: spec.data, itemStyle: { borderColor: "#fff", borderWidth: 2 } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".chart[data-heat]"), draw);
  });
})();
