/* Tizhi charts: draws every `.chart[data-chart]` element with ECharts (static/vendor).
 *
 * The data come from a <script type="application/json" id="…"> block written by Django's
 * `json_script` filter; `data-chart` names that block. A specification is
 *   {"title": "…", "type": "bar" | "pie", "unit": "人", "labels": [...],
 *    "values": [...]}                      one series, or
 *    "series": [{"name": "…", "values": [...]}, ...]   several (bars only),
 * and optionally "colors": ["#…", ...].
 * Nothing is ever built from strings: the data go to ECharts as data.
 */
(function () {
  "use strict";

  var NARROW = 480;
  var COLORS = ["#1d4ed8", "#b4232a", "#1f7a3d", "#b7791f", "#6b46c1", "#0f766e", "#c05621", "#616e7c"];

  function readSpec(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) { return null; }
    try { return JSON.parse(source.textContent); } catch (e) { return null; }
  }

  function seriesOf(spec) {
    if (spec.series) { return spec.series; }
    return [{ name: spec.unit || "", values: spec.values || [] }];
  }

  function unitFormatter(unit) {
    return function (value) { return value + (unit || ""); };
  }

  function barOption(spec, narrow) {
    var series = seriesOf(spec);
    // Horizontal bars keep Chinese category labels readable on a phone.
    var horizontal = narrow || spec.labels.length > 8 || spec.horizontal;
    var category = {
      type: "category",
      data: spec.labels,
      axisTick: { alignWithLabel: true },
      axisLabel: { interval: 0, fontSize: narrow ? 11 : 12, hideOverlap: false }
    };
    var value = { type: "value", minInterval: 1, axisLabel: { fontSize: 11 } };
    if (horizontal) { category.inverse = true; }
    return {
      color: spec.colors || COLORS,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: unitFormatter(spec.unit) },
      legend: series.length > 1 ? { top: 0 } : { show: false },
      grid: { left: 8, right: horizontal ? 36 : 12, top: series.length > 1 ? 32 : 12, bottom: 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: series.map(function (s) {
        return {
          name: s.name,
          type: "bar",
          data: s.values,
          barMaxWidth: 36,
          label: { show: series.length === 1, position: horizontal ? "right" : "top", fontSize: 11 }
        };
      })
    };
  }

  function pieOption(spec, narrow) {
    var data = spec.labels.map(function (label, i) { return { name: label, value: spec.values[i] }; });
    return {
      color: spec.colors || COLORS,
      tooltip: { trigger: "item", formatter: "{b}：{c}" + (spec.unit || "") + "（{d}%）" },
      legend: { bottom: 0, type: "scroll", itemWidth: 12, itemHeight: 12, textStyle: { fontSize: 12 } },
      series: [{
        type: "pie",
        radius: narrow ? ["28%", "52%"] : ["35%", "62%"],
        center: ["50%", "45%"],
        percentPrecision: 1,
        avoidLabelOverlap: true,
        data: data.filter(function (d) { return d.value > 0; }),
        labelLine: { length: 8, length2: 6 },
        labelLayout: { hideOverlap: true },
        // On a phone the legend names the slices; the labels carry only the share.
        label: { formatter: narrow ? "{d}%" : "{b} {d}%", fontSize: narrow ? 11 : 12, overflow: "none" }
      }]
    };
  }

  function optionFor(spec, el) {
    var narrow = el.clientWidth < NARROW;
    return spec.type === "pie" ? pieOption(spec, narrow) : barOption(spec, narrow);
  }

  function init() {
    if (!window.echarts) { return; }
    var drawn = [];
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var spec = readSpec(el);
      if (!spec) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(optionFor(spec, el));
      drawn.push({ el: el, chart: chart, spec: spec });
    });
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        drawn.forEach(function (d) {
          d.chart.setOption(optionFor(d.spec, d.el), true);
          d.chart.resize();
        });
      }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
