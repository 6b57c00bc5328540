// Renders the charts of a ringsim page and says on <body> whether it worked, so that a
// headless browser (tests/report_test.py) can tell a drawn page from a broken one:
//   data-charts="ok"      every chart rendered and drew at least one data mark
//   data-charts="error"   something failed; data-charts-error says what
// Each chart's element also gets data-marks (data-driven items drawn) and, if Vega or
// Vega-Lite logged warnings, data-warnings. The page's own script defines
// window.ringsimCharts(data) -> [{id, spec, renderer}] before calling ringsimRender().
(function () {
  "use strict";

  // Counts the items of data-driven marks in a Vega scenegraph (groups are containers).
  function countMarks(mark) {
    if (!mark || !mark.items) return 0;
    if (mark.marktype === "group") {
      let n = 0;
      for (const item of mark.items) for (const child of item.items || []) n += countMarks(child);
      return n;
    }
    return mark.role === "mark" ? mark.items.length : 0;
  }

  // A Vega logger that keeps warnings and errors for the page to report.
  function collectingLogger(messages) {
    let level = 2;
    const logger = {
      level(l) { if (l === undefined) return level; level = l; return logger; },
      error(...args) { messages.push("error: " + args.join(" ")); return logger; },
      warn(...args) { messages.push("warning: " + args.join(" ")); return logger; },
      info() { return logger; },
      debug() { return logger; },
    };
    return logger;
  }

  function fail(message) {
    document.body.dataset.charts = "error";
    document.body.dataset.chartsError = message;
    const box = document.getElementById("ringsim-chart-errors");
    if (box) box.textContent = "Charts failed to render: " + message;
  }

  async function renderOne(chart) {
    const element = document.getElementById(chart.id);
    if (!element) throw new Error("no element #" + chart.id);
    const messages = [];
    const result = await vegaEmbed(element, chart.spec, {
      actions: false,
      renderer: chart.renderer || "svg",
      logger: collectingLogger(messages),
    });
    await result.view.runAsync();
    const marks = countMarks(result.view.scenegraph().root);
    element.dataset.marks = String(marks);
    if (messages.length) element.dataset.warnings = messages.join(" | ");
    if (marks === 0) throw new Error(chart.id + ": no data marks drawn");
    return messages.map((m) => chart.id + ": " + m);
  }

  window.ringsimRender = async function () {
    try {
      if (typeof vegaEmbed !== "function") throw new Error("vega-embed is not loaded");
      const data = JSON.parse(document.getElementById("ringsim-data").textContent);
      const charts = window.ringsimCharts(data);
      const warnings = (await Promise.all(charts.map(renderOne))).flat();
      document.body.dataset.chartCount = String(charts.length);
      if (warnings.length) document.body.dataset.chartsWarnings = warnings.join(" | ");
      document.body.dataset.charts = "ok";
    } catch (error) {
      fail(String(error && error.message ? error.message : error));
    }
  };
})();
