// Chart specs of the paper-reproduction page (reports/paper_tables.py --html): ringsim's
// value beside the paper's for Table 2, Table 3 and the MFU of Table 4.
(function () {
  "use strict";
  const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

  function table2Chart(rows) {
    const values = [];
    for (const r of rows) {
      values.push({ hardware: r.hardware, series: "paper c", k: r.paper_block_k });
      values.push({ hardware: r.hardware, series: "ringsim c = F/B", k: r.ours_block_k });
      values.push({ hardware: r.hardware, series: "ringsim c* (achieved rate)", k: r.calibrated_block_k });
    }
    return {
      $schema: SCHEMA,
      title: { text: "Table 2: minimal block per device", subtitle: "K = 1000 tokens; log scale" },
      width: 560,
      height: 170,
      data: { values: values },
      mark: { type: "point", filled: true, size: 90, opacity: 0.85 },
      encoding: {
        y: { field: "hardware", type: "nominal", title: null, sort: rows.map((r) => r.hardware) },
        x: { field: "k", type: "quantitative", scale: { type: "log" }, title: "minimal block (K tokens)" },
        color: { field: "series", type: "nominal", title: null, legend: { orient: "bottom" },
                 scale: { range: ["#1f2328", "#cf222e", "#8250df"] } },
        shape: { field: "series", type: "nominal",
                 scale: { range: ["square", "circle", "triangle-up"] } },
        tooltip: [{ field: "hardware" }, { field: "series" }, { field: "k", title: "K tokens", format: ".2f" }],
      },
    };
  }

  function table3Chart(rows) {
    const values = rows.filter((r) => r.ours_k > 0 && r.paper_k > 0);
    const lo = Math.min(...values.map((r) => Math.min(r.ours_k, r.paper_k))) / 2;
    const hi = Math.max(...values.map((r) => Math.max(r.ours_k, r.paper_k))) * 2;
    const guides = [];
    for (const [factor, label] of [[1, "equal"], [2, "2x"], [0.5, "1/2x"]]) {
      guides.push({ paper_k: lo, ours_k: lo * factor, guide: label });
      guides.push({ paper_k: hi, ours_k: hi * factor, guide: label });
    }
    const dropped = rows.length - values.length;
    return {
      $schema: SCHEMA,
      title: {
        text: "Table 3: maximum context, ringsim vs the paper",
        subtitle: "K = 1024 tokens, log scales; dashed: a factor of two either way" +
          (dropped ? `; ${dropped} cells where either side is 0 not drawn` : ""),
      },
      width: 560,
      height: 380,
      layer: [
        {
          data: { values: guides },
          mark: { type: "line", color: "#8c959f", clip: true },
          encoding: {
            x: { field: "paper_k", type: "quantitative", scale: { type: "log", base: 2, domain: [lo, hi] } },
            y: { field: "ours_k", type: "quantitative", scale: { type: "log", base: 2, domain: [lo, hi] } },
            detail: { field: "guide", type: "nominal" },
            strokeDash: { condition: { test: "datum.guide === 'equal'", value: [1, 0] }, value: [4, 4] },
          },
        },
        {
          data: { values: values },
          mark: { type: "point", filled: true, size: 80, opacity: 0.85 },
          encoding: {
            x: { field: "paper_k", type: "quantitative", title: "paper (K tokens)", axis: { format: ",d" } },
            y: { field: "ours_k", type: "quantitative", title: "ringsim (K tokens)", axis: { format: ",d" } },
            color: { field: "method", type: "nominal", title: "method", sort: ["vanilla", "memory-efficient", "blockwise", "ring"] },
            shape: { field: "system", type: "nominal", title: "system" },
            tooltip: [
              { field: "system" }, { field: "model" }, { field: "method" },
              { field: "ours_k", title: "ringsim K" }, { field: "paper_k", title: "paper K" },
              { field: "ratio", format: ".2f" },
            ],
          },
        },
      ],
    };
  }

  function mfuChart(rows) {
    const band = [{ low: rows[0].paper_low_pct, high: rows[0].paper_high_pct }];
    return {
      $schema: SCHEMA,
      title: { text: "Table 4: MFU of Ring Attention", subtitle: "grey band: the paper's bars (about 30-37%)" },
      width: 560,
      height: 200,
      layer: [
        {
          data: { values: band },
          mark: { type: "rect", color: "#d0d7de", opacity: 0.7 },
          encoding: {
            y: { field: "low", type: "quantitative" },
            y2: { field: "high" },
          },
        },
        {
          data: { values: rows },
          mark: { type: "bar", color: "#0969da", size: 36 },
          encoding: {
            x: { field: "configuration", type: "nominal", title: null, sort: rows.map((r) => r.configuration),
                 axis: { labelAngle: 0 } },
            y: { field: "mfu_pct", type: "quantitative", title: "MFU (%)", scale: { domain: [0, 60] } },
            tooltip: [
              { field: "configuration" }, { field: "mfu_pct", title: "ringsim MFU %", format: ".1f" },
              { field: "step_time_s", title: "step time (s)", format: ".2f" }, { field: "scenario" },
            ],
          },
        },
      ],
    };
  }

  window.ringsimCharts = function (data) {
    return [
      { id: "chart-table2", spec: table2Chart(data.table2) },
      { id: "chart-table3", spec: table3Chart(data.table3) },
      { id: "chart-mfu", spec: mfuChart(data.table4) },
    ];
  };
  window.ringsimRender();
})();
