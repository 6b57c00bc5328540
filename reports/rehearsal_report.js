// Chart specs of the rehearsal page (reports/rehearsal_report.py --html): the ring rehearsed
// on real GPUs beside both engines' predictions from the calibration.
(function () {
  "use strict";
  const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

  function long(data, fields) {
    const values = [];
    for (const s of data.sets) {
      for (const r of s.rows) {
        for (const [series, field] of fields) {
          values.push({ set: s.label, block: r.block_tokens, series: series, ms: r[field] * 1e3 });
        }
      }
    }
    return values;
  }

  const BLOCK_X = { field: "block", type: "quantitative", scale: { type: "log", base: 2 }, title: "block (tokens per rank)" };

  // One small chart per rehearsed set (3 to a row) of the series `fields` name, in ms.
  function facetBySet(data, fields, title, subtitle, panel) {
    return {
      $schema: SCHEMA,
      title: { text: title, subtitle: subtitle },
      data: { values: long(data, fields) },
      facet: { field: "set", type: "nominal", title: null, sort: data.sets.map((s) => s.label) },
      columns: 3,
      spec: Object.assign({ width: 230, height: 170 }, panel),
    };
  }

  function timeChart(data) {
    const fields = [["measured", "measured_s"], ["analytical", "analytical_s"], ["SimGrid", "simgrid_s"]];
    const spec = facetBySet(data, fields, "Ring time per block size", "8 ranks; log scales", {
      layer: [
        {
          transform: [{ filter: "datum.series !== 'measured'" }],
          mark: { type: "line", strokeWidth: 2, opacity: 0.8 },
          encoding: {
            x: BLOCK_X,
            y: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "ring time (ms)" },
            color: { field: "series", type: "nominal", title: null, scale: { domain: ["measured", "analytical", "SimGrid"], range: ["#1f2328", "#0969da", "#bf8700"] } },
          },
        },
        {
          transform: [{ filter: "datum.series === 'measured'" }],
          mark: { type: "point", filled: true, size: 60 },
          encoding: {
            x: BLOCK_X,
            y: { field: "ms", type: "quantitative", scale: { type: "log" } },
            color: { field: "series", type: "nominal" },
            tooltip: [{ field: "set" }, { field: "block" }, { field: "ms", title: "measured (ms)", format: ".4f" }],
          },
        },
      ],
    });
    spec.resolve = { scale: { y: "independent" } };
    return spec;
  }

  function errorChart(data) {
    const values = [];
    for (const s of data.sets) {
      for (const r of s.rows) {
        values.push({ set: s.label, block: r.block_tokens, error: r.analytical_error_pct });
      }
    }
    return {
      $schema: SCHEMA,
      title: { text: "Prediction error (analytical engine)", subtitle: "grey band: ±10 %" },
      width: 560,
      height: 240,
      layer: [
        {
          data: { values: [{ lo: -10, hi: 10 }] },
          mark: { type: "rect", color: "#d0d7de", opacity: 0.6 },
          encoding: { y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
        },
        {
          data: { values: values },
          mark: { type: "line", point: true },
          encoding: {
            x: BLOCK_X,
            y: { field: "error", type: "quantitative", title: "predicted / measured − 1 (%)" },
            color: { field: "set", type: "nominal", title: null, sort: data.sets.map((s) => s.label), legend: { orient: "bottom", columns: 2, labelLimit: 320 } },
            tooltip: [{ field: "set" }, { field: "block" }, { field: "error", title: "error %", format: "+.1f" }],
          },
        },
      ],
    };
  }

  function copyChart(data) {
    const fields = [
      ["copy measured beside the kernels", "measured_copy_s"],
      ["copy alone (calibration)", "predicted_copy_s"],
      ["step compute measured", "measured_step_compute_s"],
    ];
    return facetBySet(data, fields, "A ring step's K,V copy against its compute", "per step, log scales", {
      mark: { type: "line", point: true },
      encoding: {
        x: BLOCK_X,
        y: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "time (ms)" },
        color: { field: "series", type: "nominal", title: null, legend: { orient: "bottom", labelLimit: 320 },
                 scale: { range: ["#cf222e", "#8250df", "#1f2328"] } },
        tooltip: [{ field: "set" }, { field: "series" }, { field: "block" }, { field: "ms", format: ".4f" }],
      },
    });
  }

  window.ringsimCharts = function (data) {
    return [
      { id: "chart-time", spec: timeChart(data) },
      { id: "chart-error", spec: errorChart(data) },
      { id: "chart-copy", spec: copyChart(data) },
    ];
  };
  window.ringsimRender();
})();
