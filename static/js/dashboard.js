// Draws the dashboard's charts with Apache ECharts from the figures the page carries in
// <script type="application/json" id="dashboard-data"> (no inline script: the site's
// Content-Security-Policy forbids it). The month-by-month chart fetches its figures from the URL in
// its data-url once the page is shown. Amounts arrive as decimal strings and are drawn in 万元.
(function () {
  "use strict";

  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  var series = JSON.parse(source.textContent);
  var palette = ["#9b1c1c", "#d97706", "#2563eb", "#059669", "#7c3aed", "#64748b", "#db2777"];

  function number(value) {
    var n = Number(value);
    return isFinite(n) ? n : 0;
  }

  function wan(value) {
    return Math.round(number(value) / 100) / 100;   // 元 → 万元, two decimals
  }

  function empty(node) {
    node.classList.add("chart-empty");
    node.textContent = "暂无数据";
  }

  var builders = {
    problems: function () {
      var rows = series.problems || [];
      if (!rows.length) { return null; }
      return {
        color: palette,
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 10, top: 20, bottom: 60 },
        xAxis: { type: "category", data: rows.map(function (r) { return r.label; }),
                 axisLabel: { interval: 0, rotate: 35, fontSize: 11 } },
        yAxis: { type: "value", name: "份", minInterval: 1 },
        series: [{ type: "bar", name: "问题合同", data: rows.map(function (r) { return r.count; }) }]
      };
    },
    dispositions: function () {
      var rows = series.dispositions || [];
      if (!rows.length) { return null; }
      return {
        color: ["#d97706", "#059669"],
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 10, top: 30, bottom: 30 },
        xAxis: { type: "category", data: rows.map(function (r) { return r.kind; }) },
        yAxis: { type: "value", name: "份", minInterval: 1 },
        series: [
          { type: "bar", stack: "all", name: "规范中", data: rows.map(function (r) { return r.chosen - r.completed; }) },
          { type: "bar", stack: "all", name: "已规范", data: rows.map(function (r) { return r.completed; }) }
        ]
      };
    },
    steps: function () {
      var rows = series.steps || [];
      if (!rows.length) { return null; }
      return {
        color: palette,
        tooltip: { trigger: "item", formatter: "{b}：{c} 万元（{d}%）" },
        legend: { type: "scroll", bottom: 0 },
        series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
                   data: rows.map(function (r) { return { name: r.kind, value: wan(r.amount) }; }) }]
      };
    },
    progress: function (rows) {
      rows = rows || [];
      if (!rows.length) { return null; }
      var months = rows.map(function (r) { return r.month; });
      function line(name, key, axis) {
        return { type: "line", name: name, yAxisIndex: axis, showSymbol: false,
                 data: rows.map(function (r) { return axis ? wan(r[key]) : number(r[key]); }) };
      }
      var lines = [line("已查找", "found", 0), line("已认定", "determined", 0), line("已规范", "standardised", 0),
                   line("已清收", "cleared", 1), line("现金清收", "cash", 1)];
      // Amounts a ledger gave without their day are no month's progress: a line of their own, where there are any.
      if (rows.some(function (r) { return Number(r.undated); })) {
        lines.push(line("清查前已收回（日期不详）", "undated", 1));
      }
      return {
        color: ["#2563eb", "#d97706", "#059669", "#9b1c1c", "#db2777", "#6b7280"],
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 45, right: 55, top: 35, bottom: 30 },
        xAxis: { type: "category", data: months },
        yAxis: [{ type: "value", name: "份", minInterval: 1 }, { type: "value", name: "万元" }],
        series: lines
      };
    }
  };

  var charts = [];

  function draw(node, option) {
    if (!option) {
      empty(node);
      return;
    }
    var chart = echarts.init(node, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
  }

  document.querySelectorAll("[data-chart]").forEach(function (node) {
    var build = builders[node.getAttribute("data-chart")];
    var url = node.getAttribute("data-url");
    if (!build) {
      empty(node);
    } else if (url) {
      node.textContent = "加载中…";
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (data) { node.textContent = ""; draw(node, build(data.progress)); })
        .catch(function () { node.classList.add("chart-empty"); node.textContent = "图表数据加载失败，请刷新页面。"; });
    } else {
      draw(node, build());
    }
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
}());
