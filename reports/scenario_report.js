// Chart specs of `ringsim report` (Vega-Lite). The data come from cli/report_command.cc,
// which re-derives every curve with the analytical engine around the reported scenario;
// this file only draws them. Each chart element is <div id="chart-NAME"> in the page.
(function () {
  "use strict";
  const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
  const WIDTH = 500;
  const HEIGHT = 250;
  const tokensAxis = (title) => ({ title: title, format: ".3~s", grid: true, labelOverlap: true });

  // Vertical rules with labels stacked at the top of the plot: [{x, label, color, dash}].
  function markerLayers(marks, field) {
    const values = marks.map((m, i) => Object.assign({ ypx: 4 + 13 * i }, m));
    return [
      {
        data: { values: values },
        mark: { type: "rule", strokeWidth: 1.5 },
        encoding: {
          x: { field: field, type: "quantitative" },
          color: { field: "color", type: "nominal", scale: null },
          strokeDash: { field: "dash", type: "nominal", scale: null },
        },
      },
      {
        data: { values: values },
        mark: { type: "text", align: "left", baseline: "top", dx: 4, fontSize: 11 },
        encoding: {
          x: { field: field, type: "quantitative" },
          y: { field: "ypx", type: "quantitative", scale: null },
          text: { field: "label" },
          color: { field: "color", type: "nominal", scale: null },
        },
      },
    ];
  }

  function flopsChart(d) {
    return {
      $schema: SCHEMA,
      title: { text: "Attention FLOP rate vs block size", subtitle: d.subtitle },
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          data: { values: d.points },
          mark: { type: "line", point: true },
          encoding: {
            x: { field: "block_tokens", type: "quantitative", scale: { type: "log", base: 2 },
                 axis: tokensAxis("block c (tokens per device)") },
            y: { field: "tflops", type: "quantitative", scale: { type: "log" },
                 title: "TFLOP/s per device" },
            color: { field: "series", type: "nominal", title: null,
                     legend: { orient: "bottom", labelLimit: 400 } },
            tooltip: [
              { field: "series", title: "curve" },
              { field: "block_tokens", title: "block (tokens)", format: "," },
              { field: "tflops", title: "TFLOP/s", format: ".1f" },
            ],
          },
        },
        {
          data: { values: [{ peak: d.peak_tflops, label: "peak " + d.peak_tflops.toFixed(0) + " TFLOP/s" }] },
          layer: [
            { mark: { type: "rule", strokeDash: [2, 3], color: "#59636e" },
              encoding: { y: { field: "peak", type: "quantitative" } } },
            { mark: { type: "text", align: "right", baseline: "bottom", dy: -2, color: "#59636e", fontSize: 11 },
              encoding: { y: { field: "peak", type: "quantitative" }, x: { value: WIDTH },
                          text: { field: "label" } } },
          ],
        },
      ].concat(markerLayers(d.marks, "block_tokens")),
    };
  }

  function exposedChart(d) {
    return {
      $schema: SCHEMA,
      title: { text: "Exposed communication vs block size", subtitle: d.subtitle },
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          data: { values: d.points },
          mark: { type: "line", point: { size: 50, filled: true }, color: "#0969da" },
          encoding: {
            x: { field: "block_tokens", type: "quantitative", scale: { type: "log", base: 2 },
                 axis: tokensAxis("block c = seq_len / context (tokens per device)") },
            y: { field: "exposed_pct", type: "quantitative", title: "exposed communication, % of step",
                 scale: { domain: [0, Math.max(5, d.max_pct)] } },
            tooltip: [
              { field: "block_tokens", title: "block (tokens)", format: "," },
              { field: "seq_len", title: "seq_len", format: "," },
              { field: "exposed_comm_s", title: "exposed comm (s)", format: ".4g" },
              { field: "step_time_s", title: "step time (s)", format: ".4g" },
              { field: "step_compute_ms", title: "ring step compute (ms)", format: ".4g" },
              { field: "step_comm_ms", title: "ring step transfer (ms)", format: ".4g" },
              { field: "comm_hidden", title: "comm hidden" },
            ],
          },
        },
      ].concat(markerLayers(d.marks, "block_tokens")),
    };
  }

  function memoryChart(d) {
    const rules = [
      { gb: d.capacity_gb, label: "HBM " + d.capacity_gb.toFixed(0) + " GB", dash: [1, 0] },
      { gb: d.usable_gb, label: "usable " + d.usable_gb.toFixed(0) + " GB", dash: [5, 3] },
    ];
    return {
      $schema: SCHEMA,
      title: { text: "Memory per device vs context", subtitle: d.subtitle },
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          data: { values: d.terms },
          mark: { type: "area", opacity: 0.85, clip: true },
          encoding: {
            x: { field: "seq_len", type: "quantitative", scale: { type: "log", base: 2 },
                 axis: tokensAxis("context (seq_len, tokens)") },
            y: { field: "gb", type: "quantitative", stack: "zero", title: "GB per device",
                 scale: { domain: [0, d.y_max_gb], clamp: true } },
            color: { field: "term", type: "nominal", title: null, sort: d.term_order,
                     scale: { scheme: "tableau10" },
                     legend: { orient: "bottom", columns: 4, labelLimit: 200 } },
            order: { field: "order", type: "quantitative" },
            tooltip: [
              { field: "term" },
              { field: "seq_len", title: "seq_len", format: "," },
              { field: "gb", title: "GB", format: ".2f" },
            ],
          },
        },
        {
          data: { values: rules },
          layer: [
            { mark: { type: "rule", color: "#c62828", strokeWidth: 1.5 },
              encoding: { y: { field: "gb", type: "quantitative" },
                          strokeDash: { field: "dash", type: "nominal", scale: null } } },
            { mark: { type: "text", align: "left", baseline: "bottom", dx: 2, dy: -2, color: "#c62828", fontSize: 11 },
              encoding: { y: { field: "gb", type: "quantitative" }, x: { value: 0 },
                          text: { field: "label" } } },
          ],
        },
      ].concat(markerLayers(d.marks, "seq_len")),
    };
  }

  function devicesChart(d) {
    return {
      $schema: SCHEMA,
      title: { text: "Step time vs devices", subtitle: d.subtitle },
      width: WIDTH,
      height: HEIGHT,
      data: { values: d.points },
      layer: [
        {
          mark: { type: "line", strokeDash: [4, 4], color: "#8c959f" },
          encoding: {
            x: { field: "devices", type: "quantitative", scale: { type: "log", base: 2 },
                 axis: { title: "devices (context-parallel ring grows with them)", format: "~s" } },
            y: { field: "ideal_step_time_s", type: "quantitative", scale: { type: "log" } },
          },
        },
        {
          mark: { type: "line", color: "#0969da" },
          encoding: {
            x: { field: "devices", type: "quantitative" },
            y: { field: "step_time_s", type: "quantitative", title: "step time (s)" },
          },
        },
        {
          mark: { type: "point", filled: true, size: 70 },
          encoding: {
            x: { field: "devices", type: "quantitative" },
            y: { field: "step_time_s", type: "quantitative" },
            color: { field: "status", type: "nominal", title: null,
                     scale: { domain: ["fits, comm hidden", "fits, comm exposed", "does not fit"],
                              range: ["#1a7f37", "#9a6700", "#c62828"] },
                     legend: { orient: "bottom" } },
            shape: { condition: { test: "datum.current", value: "diamond" }, value: "circle" },
            tooltip: [
              { field: "devices", format: "," },
              { field: "context", title: "ring (context)", format: "," },
              { field: "fsdp", format: "," },
              { field: "step_time_s", title: "step time (s)", format: ".4g" },
              { field: "ideal_step_time_s", title: "linear scaling (s)", format: ".4g" },
              { field: "mfu_pct", title: "MFU %", format: ".1f" },
              { field: "memory_gb", title: "memory (GB)", format: ".1f" },
              { field: "status" },
            ],
          },
        },
        {
          transform: [{ filter: "datum.current" }],
          mark: { type: "text", dy: -12, fontSize: 11 },
          encoding: {
            x: { field: "devices", type: "quantitative" },
            y: { field: "step_time_s", type: "quantitative" },
            text: { value: "this plan" },
          },
        },
      ],
    };
  }

  function timelineChart(d) {
    const rows = d.rows.length;
    const unit = d.span_ms > 20000 ? "s" : "ms";
    const scale = unit === "s" ? 1000 : 1;
    return {
      $schema: SCHEMA,
      title: { text: d.title, subtitle: d.subtitle },
      width: 1180,
      height: Math.max(90, Math.min(720, rows * 16)),
      data: { values: d.events },
      transform: [
        { calculate: "datum.start_ms / " + scale, as: "start" },
        { calculate: "datum.end_ms / " + scale, as: "end" },
      ],
      params: [{ name: "zoom", select: { type: "interval", encodings: ["x"] }, bind: "scales" }],
      mark: { type: "bar", cornerRadius: 0 },
      encoding: {
        x: { field: "start", type: "quantitative", title: "time (" + unit + ")" },
        x2: { field: "end" },
        y: { field: "row", type: "nominal", sort: d.rows, title: null,
             axis: { labelLimit: 220 } },
        color: { field: "phase", type: "nominal", title: "phase", scale: { scheme: "tableau20" },
                 legend: { columns: Math.min(6, Math.max(1, Math.ceil(d.phase_count / 2))),
                           orient: "bottom", symbolLimit: 40 } },
        tooltip: [
          { field: "name" },
          { field: "row", title: "track" },
          { field: "start_ms", title: "start (ms)", format: ",.3f" },
          { field: "dur_ms", title: "duration (ms)", format: ",.3f" },
        ],
      },
    };
  }

  // A sweep: step time against the first varied key, a line per combination of the others.
  function sweepChart(d) {
    const x = d.x_numeric
      ? { field: "x", type: "quantitative", title: d.x_key,
          scale: { type: "log", base: 2 }, axis: { format: ".3~s", grid: true } }
      : { field: "x_label", type: "ordinal", title: d.x_key, sort: null };
    return {
      $schema: SCHEMA,
      title: { text: "Step time across the sweep",
               subtitle: d.series_keys.length
                 ? "one line per " + d.series_keys.join(", ") : "" },
      width: WIDTH,
      height: HEIGHT,
      data: { values: d.points },
      encoding: {
        x: x,
        y: { field: "step_time_s", type: "quantitative", scale: { type: "log" },
             title: "step time (s)" },
        color: { field: "series", type: "nominal", title: null,
                 legend: { orient: "bottom", labelLimit: 400 } },
      },
      layer: [
        { mark: { type: "line" } },
        {
          mark: { type: "point", filled: true, size: 60 },
          encoding: {
            shape: { field: "fits", type: "nominal", title: "fits in memory",
                     scale: { domain: [true, false], range: ["circle", "cross"] } },
            tooltip: [
              { field: "index", title: "result" },
              { field: "x_label", title: d.x_key },
              { field: "series", title: "other keys" },
              { field: "step_time_s", title: "step time (s)", format: ".4~g" },
              { field: "mfu_pct", title: "MFU (%)", format: ".1f" },
              { field: "fits", title: "fits" },
            ],
          },
        },
      ],
    };
  }

  // A SimGrid result: the busiest link directions over the step, the saturated ones marked.
  function linksChart(d) {
    return {
      $schema: SCHEMA,
      title: { text: "The fabric's busiest links (SimGrid)", subtitle: d.subtitle },
      width: WIDTH,
      height: Math.max(120, d.links.length * 14),
      data: { values: d.links },
      mark: { type: "bar" },
      encoding: {
        y: { field: "label", type: "nominal", sort: null, title: null,
             axis: { labelLimit: 320 } },
        x: { field: "utilisation_pct", type: "quantitative",
             title: "busy over the step (% of its bandwidth)" },
        color: { field: "state", type: "nominal", title: null,
                 scale: { domain: ["saturated", "not saturated"], range: ["#c62828", "#0969da"] },
                 legend: { orient: "bottom" } },
        tooltip: [
          { field: "link" },
          { field: "direction" },
          { field: "kind" },
          { field: "utilisation_pct", title: "busy over the step (%)", format: ".1f" },
          { field: "bw_gb_per_s", title: "bandwidth (GB/s)", format: ".1f" },
          { field: "sharing_flows", title: "flows sharing it (saturated)" },
          { field: "saturated_by", title: "saturated by" },
        ],
      },
    };
  }

  window.ringsimCharts = function (data) {
    const c = data.charts;
    const sweep = c.sweep ? [{ id: "chart-sweep", spec: sweepChart(c.sweep) }] : [];
    const links = c.links ? [{ id: "chart-links", spec: linksChart(c.links) }] : [];
    return sweep.concat(links, [
      { id: "chart-flops", spec: flopsChart(c.flops) },
      { id: "chart-exposed", spec: exposedChart(c.exposed) },
      { id: "chart-memory", spec: memoryChart(c.memory) },
      { id: "chart-devices", spec: devicesChart(c.devices) },
      { id: "chart-timeline", spec: timelineChart(c.timeline), renderer: "canvas" },
    ]);
  };
  window.ringsimRender();
})();
