#include "cli/report_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "cli/format.h"
#include "cli/report_sweep.h"
#include "io/hardware_loader.h"
#include "sim/config_error.h"
#include "sim/memory_model.h"
#include "sim/schedule.h"

namespace ringsim {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// The vendored charting libraries, in load order (reports/package.json pins
/// them).
const char* const kVendorScripts[] = {
    "node_modules/vega/build/vega.min.js",
    "node_modules/vega-lite/build/vega-lite.min.js",
    "node_modules/vega-embed/build/vega-embed.min.js",
};

// ---------------------------------------------------------------- chart data as JSON

json MarkJson(const ChartMark& m) {
  return {{"x", m.x},
          {"label", m.label},
          {"color", m.color},
          {"dash", m.dashed ? json::array({5, 3}) : json::array({1, 0})}};
}

/// Block marks repeat x as "block_tokens" (fractional: F/B and c* need not be whole).
json BlockMarksJson(const std::vector<ChartMark>& marks) {
  json out = json::array();
  for (const ChartMark& m : marks) {
    json j = MarkJson(m);
    j["block_tokens"] = m.x;
    out.push_back(j);
  }
  return out;
}

/// Sequence-length marks repeat x as a whole "seq_len".
json SeqLenMarksJson(const std::vector<ChartMark>& marks) {
  json out = json::array();
  for (const ChartMark& m : marks) {
    json j = MarkJson(m);
    j["seq_len"] = static_cast<int64_t>(m.x);
    out.push_back(j);
  }
  return out;
}

json ChartJson(const FlopsChartData& c) {
  json points = json::array();
  for (const FlopsPoint& p : c.points) {
    points.push_back(
        {{"block_tokens", p.block_tokens}, {"series", p.series}, {"tflops", p.tflops}});
  }
  return {{"points", points},
          {"peak_tflops", c.peak_tflops},
          {"marks", BlockMarksJson(c.marks)},
          {"subtitle", c.subtitle}};
}

json ChartJson(const ExposedChartData& c) {
  json points = json::array();
  for (const ExposedPoint& p : c.points) {
    points.push_back({{"block_tokens", p.block_tokens},
                      {"seq_len", p.seq_len},
                      {"exposed_comm_s", p.exposed_comm_s},
                      {"step_time_s", p.step_time_s},
                      {"exposed_pct", p.exposed_pct},
                      {"step_compute_ms", p.step_compute_ms},
                      {"step_comm_ms", p.step_comm_ms},
                      {"comm_hidden", p.comm_hidden}});
  }
  return {{"points", points},
          {"max_pct", c.max_pct},
          {"marks", BlockMarksJson(c.marks)},
          {"subtitle", c.subtitle}};
}

json ChartJson(const MemoryChartData& c) {
  json terms = json::array();
  for (const MemoryPoint& p : c.terms) {
    terms.push_back({{"seq_len", p.seq_len}, {"term", p.term}, {"order", p.order}, {"gb", p.gb}});
  }
  return {
      {"terms", terms},           {"term_order", c.term_order}, {"capacity_gb", c.capacity_gb},
      {"usable_gb", c.usable_gb}, {"y_max_gb", c.y_max_gb},     {"marks", SeqLenMarksJson(c.marks)},
      {"subtitle", c.subtitle}};
}

json ChartJson(const DevicesChartData& c) {
  json points = json::array();
  for (const DevicesPoint& p : c.points) {
    points.push_back({{"devices", p.devices},
                      {"context", p.context},
                      {"fsdp", p.fsdp},
                      {"step_time_s", p.step_time_s},
                      {"ideal_step_time_s", p.ideal_step_time_s},
                      {"mfu_pct", p.mfu_pct},
                      {"memory_gb", p.memory_gb},
                      {"status", p.status},
                      {"current", p.current}});
  }
  return {{"points", points}, {"subtitle", c.subtitle}};
}

json ChartJson(const TimelineData& t) {
  json events = json::array();
  for (const TimelineSlice& e : t.events) {
    events.push_back({{"row", e.row},
                      {"name", e.name},
                      {"phase", e.phase},
                      {"start_ms", e.start_ms},
                      {"end_ms", e.end_ms},
                      {"dur_ms", e.dur_ms}});
  }
  return {{"title", t.title},         {"subtitle", t.subtitle}, {"source", t.source},
          {"events", events},         {"rows", t.rows},         {"phase_count", t.phase_count},
          {"truncated", t.truncated}, {"span_ms", t.span_ms}};
}

// ---------------------------------------------------------------- HTML

std::string Percent(double fraction) { return fmt::format("{:.1f}%", fraction * 100); }

std::string Card(const char* cls, const std::string& label, const std::string& value,
                 const std::vector<std::string>& lines, const std::string& id) {
  std::string html = fmt::format(
      "<div class=\"card {}\" id=\"{}\"><div class=\"label\">{}</div><div "
      "class=\"value\">{}</div>",
      cls, id, EscapeHtml(label), EscapeHtml(value));
  for (const std::string& line : lines) html += "<p>" + line + "</p>";
  return html + "</div>\n";
}

std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows, const std::string& id = "") {
  std::string html = id.empty() ? "<table>" : fmt::format("<table id=\"{}\">", id);
  if (std::any_of(header.begin(), header.end(), [](const std::string& h) { return !h.empty(); })) {
    html += "<tr>";
    for (const std::string& h : header) html += "<th>" + EscapeHtml(h) + "</th>";
    html += "</tr>\n";
  }
  for (const auto& row : rows) {
    html += "<tr>";
    for (const std::string& cell : row) html += "<td>" + cell + "</td>";
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

std::string VerdictCards(const json& r, const Scenario& s, int64_t max_seq) {
  const json& o = r["overlap"];
  double peak = r["peak_memory_bytes"];
  double capacity = r["memory_capacity_bytes"];
  double usable = r["memory"].value("usable_bytes", capacity);
  bool fits = r["fits"];
  std::string html = "<section class=\"verdicts\">\n";
  html +=
      Card(fits ? "ok" : "bad", "Memory per device", fits ? "fits" : "does not fit",
           {fmt::format("peak {} of {} usable ({} HBM, {:.0f}% kept free by the implementation's "
                        "reserve)",
                        FormatBytes(peak), FormatBytes(usable), FormatBytes(capacity),
                        capacity > 0 ? (1 - usable / capacity) * 100 : 0.0),
            max_seq > 0 ? fmt::format("longest context that fits this plan: {}",
                                      EscapeHtml(FormatTokens(static_cast<double>(max_seq))))
                        : "not even one block per device fits beside the model states"},
           "verdict-memory");
  bool hidden = o["comm_hidden"];
  double block = o["block_tokens"];
  double step_compute = o.value("step_compute_s", 0.0);
  double step_comm = o.value("step_comm_s", 0.0);
  std::vector<std::string> comm_lines = {
      fmt::format("block {} per device; minimal block F/B {} (paper), c* {} (achieved "
                  "rate)",
                  EscapeHtml(FormatTokens(block)), EscapeHtml(FormatTokens(o["min_block_paper"])),
                  EscapeHtml(FormatTokens(o["min_block_calibrated"])))};
  if (step_comm > 0) {
    comm_lines.push_back(fmt::format("ring step: compute {} vs K,V transfer {} ({:.1f}x)",
                                     FormatSeconds(step_compute), FormatSeconds(step_comm),
                                     step_compute / step_comm));
  }
  comm_lines.push_back(fmt::format(
      "exposed communication {} per step ({} of it)", FormatSeconds(r["exposed_comm_time_s"]),
      Percent(r["exposed_comm_time_s"].get<double>() / r["step_time_s"].get<double>())));
  html += Card(hidden ? "ok" : "bad", "Ring communication", hidden ? "hidden" : "exposed",
               comm_lines, "verdict-comm");
  double mfu = r["mfu"];
  html += Card(
      "info", "Model FLOPs utilisation", Percent(mfu),
      {fmt::format("{:.1f} TFLOP/s per device, step {}, {:.0f} tokens/s",
                   r["tflops_per_device"].get<double>(), FormatSeconds(r["step_time_s"]),
                   r["tokens_per_s"].get<double>()),
       fmt::format("compute (busiest device) {}, {} engine", FormatSeconds(r["compute_time_s"]),
                   EscapeHtml(r["engine"].get<std::string>()))},
      "verdict-mfu");
  if (r.value("efficiency_assumed", false)) {
    std::string source = r.value("efficiency_source", s.hardware.attention_efficiency.source);
    std::string shown = source.size() > 140 ? source.substr(0, 137) + "..." : source;
    html += Card("warn", "Kernel efficiency", "assumed",
                 {"the attention kernel's achieved-rate curve is not measured on this GPU:",
                  "<span title=\"" + EscapeHtml(source) + "\">" + EscapeHtml(shown) + "</span>",
                  "<code>ringsim calibrate</code> on the GPU replaces it"},
                 "verdict-efficiency");
  }
  return html + "</section>\n";
}

std::string ScenarioSection(const Scenario& s, const ScenarioSource& src) {
  const ModelSpec& m = s.model;
  const ParallelSpec& p = s.parallel;
  const WorkloadSpec& w = s.workload;
  std::string file = "<code>" + EscapeHtml(src.file) + "</code>";
  for (const std::string& o : src.overrides) file += " <code>--set " + EscapeHtml(o) + "</code>";
  std::vector<std::vector<std::string>> rows = {
      {"scenario", EscapeHtml(s.name) + " (" + file + ")"},
      {"model", fmt::format("{}: {} layers, hidden {}, {} heads ({} K/V) x {}, FFN {}, vocab {}",
                            EscapeHtml(m.name), m.layers, m.hidden, m.heads, m.kv_heads, m.head_dim,
                            m.ffn_hidden, m.vocab)},
      {"hardware",
       fmt::format("{}: {}; {} GEMM peak {}, attention peak {}, HBM {}; {} per node",
                   EscapeHtml(s.hardware.name), EscapeHtml(s.hardware.description),
                   PrecisionName(w.precision), FormatFlops(s.hardware.PeakFlopsPerS(w.precision)),
                   FormatFlops(s.hardware.AttentionPeakFlopsPerS(w.precision)),
                   FormatBytes(s.hardware.hbm_bytes), s.hardware.devices_per_node)},
      {"attention kernel", fmt::format("{} ({})", EscapeHtml(s.hardware.attention_kernel),
                                       EscapeHtml(AttentionCurvesText(s.hardware)))},
      {"links", fmt::format("intra-node {} {:.0f} GB/s, inter-node {} {:.0f} GB/s (per device, "
                            "one direction)",
                            EscapeHtml(s.hardware.intra_node.kind),
                            s.hardware.intra_node.bw_bytes_per_s / 1e9,
                            EscapeHtml(s.hardware.inter_node.kind),
                            s.hardware.inter_node.bw_bytes_per_s / 1e9)},
      {"devices", fmt::format("{}: ring (context) {}, variant {}, tensor {}, FSDP {}", s.devices,
                              p.context, VariantName(p.variant), p.tensor, p.fsdp)},
      {"workload",
       fmt::format("{} tokens ({} per device), batch {}, {}, {}, scope {}, {}, "
                   "{} checkpointing, {} loss",
                   w.seq_len, s.TokensPerDevice(), w.batch, w.causal ? "causal" : "non-causal",
                   PrecisionName(w.precision), ScopeName(w.scope), PassName(w.pass),
                   CheckpointingName(w.checkpointing), LossName(w.loss))},
      {"kernel block", s.kernel_block_tokens > 0 ? std::to_string(s.kernel_block_tokens)
                                                 : "auto (the tokens per device)"},
  };
  return "<h2>Scenario</h2>\n" + Table({}, rows, "scenario-table");
}

std::string MemoryTable(const json& r) {
  const json& m = r["memory"];
  const std::pair<const char*, const char*> terms[] = {
      {"attention_buffers_bytes", "ring buffers (Q, O, K,V)"},
      {"weights_bytes", "weights (shard)"},
      {"gradients_bytes", "gradients (shard)"},
      {"optimizer_bytes", "optimizer state (shard)"},
      {"fsdp_working_bytes", "FSDP gathered layers"},
      {"checkpoint_bytes", "saved activations (checkpoints)"},
      {"layer_working_bytes", "layer working set"},
      {"logits_bytes", "logits"},
      {"total_bytes", "total"},
      {"usable_bytes", "usable HBM"},
      {"capacity_bytes", "HBM"}};
  std::vector<std::vector<std::string>> rows;
  for (const auto& [key, label] : terms) {
    if (!m.contains(key)) continue;
    rows.push_back({label, "<span class=\"num\">" + FormatBytes(m[key]) + "</span>"});
  }
  return "<div><h3>Memory per device</h3>\n" + Table({"term", "bytes"}, rows) + "</div>\n";
}

std::string PhaseTable(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const json& p : r["phases"]) {
    double compute = p.value("max_step_compute_s", 0.0);
    double comm = p.value("step_comm_s", 0.0);
    rows.push_back({EscapeHtml(p.value("name", "")), EscapeHtml(p.value("kind", "")),
                    FormatSeconds(p.value("time_s", 0.0)),
                    compute > 0 ? FormatSeconds(compute) : "",
                    comm > 0 ? FormatSeconds(comm) : ""});
  }
  return "<div><h3>One layer's phases (slowest device)</h3>\n" +
         Table({"phase", "kind", "time", "max step compute", "step transfer"}, rows) + "</div>\n";
}

std::string ResultsTable(const std::vector<json>& results, int64_t chosen) {
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < results.size(); ++i) {
    const json& r = results[i];
    std::string mark = static_cast<int64_t>(i) == chosen ? " (shown)" : "";
    if (IsFailedResult(r)) {
      rows.push_back({std::to_string(i),
                      "failed: " + EscapeHtml(r["sweep_error"].get<std::string>()), "", "", "", "",
                      "", "", "", "", "", "", ""});
      continue;
    }
    std::string vary;
    for (const json& o : r.value("sweep_vary", json::array())) {
      vary += (vary.empty() ? "" : "<br>") + EscapeHtml(o.get<std::string>());
    }
    rows.push_back({std::to_string(i) + mark, EscapeHtml(r["scenario"].get<std::string>()), vary,
                    EscapeHtml(r["hardware"].get<std::string>()), r["devices"].dump(),
                    r["context"].dump(), EscapeHtml(r["variant"].get<std::string>()),
                    r["seq_len"].dump(), FormatSeconds(r["step_time_s"]),
                    Percent(r["mfu"].get<double>()), FormatBytes(r["peak_memory_bytes"]),
                    r["fits"].get<bool>() ? "yes" : "<b>no</b>",
                    r["overlap"]["comm_hidden"].get<bool>() ? "yes" : "<b>no</b>"});
  }
  return "<h2>All results</h2>\n<p class=\"note\">The charts below are for "
         "result " +
         std::to_string(chosen) + " (choose another with <code>--index</code>).</p>\n" +
         Table({"#", "scenario", "varied", "hardware", "devices", "context", "variant", "seq_len",
                "step time", "MFU", "memory", "fits", "comm hidden"},
               rows, "results-table");
}

std::string Figure(const std::string& id, const std::string& caption) {
  return fmt::format(
      "<figure><div class=\"chart\" id=\"{}\"></div><figcaption>{}</figcaption>"
      "</figure>\n",
      id, caption);
}

/// The vendored libraries as inline <script> elements, or a ConfigError saying
/// how to get them.
std::string VendorScripts(const std::string& dir) {
  std::string html;
  for (const char* relative : kVendorScripts) {
    std::string path = dir + "/" + relative;
    if (!fs::exists(path)) {
      throw ConfigError(
          fmt::format("{}: missing; the report inlines Vega, Vega-Lite and "
                      "vega-embed from {}/node_modules: "
                      "run ./setup.sh (or `npm ci` in {})",
                      path, dir, dir));
    }
    std::string code = ReadReportFile(path, "vendored script");
    // Drop the source map reference (the page is self-contained) and keep
    // "</script" out.
    size_t map = code.rfind("//# sourceMappingURL=");
    if (map != std::string::npos) code.erase(map);
    for (size_t at = code.find("</script"); at != std::string::npos;
         at = code.find("</script", at + 2)) {
      code.replace(at, 2, "<\\/");
    }
    html += "<script>/* " + std::string(relative) + " */\n" + code + "\n</script>\n";
  }
  return html;
}

/// JSON for a <script type="application/json"> element: '<' escaped so nothing
/// closes it.
std::string ScriptSafeJson(const json& data) {
  std::string text = data.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    if (ch == '<') {
      out += "\\u003c";
    } else {
      out += ch;
    }
  }
  return out;
}

/// Fills the page shell's markers (see reports/page_shell.html).
std::string FillShell(const std::string& shell, const std::map<std::string, std::string>& parts) {
  std::string out;
  size_t pos = 0;
  const std::string open = "<!--RINGSIM:";
  for (size_t at = shell.find(open); at != std::string::npos; at = shell.find(open, pos)) {
    size_t end = shell.find("-->", at);
    std::string key = shell.substr(at + open.size(), end - at - open.size());
    out += shell.substr(pos, at - pos);
    auto it = parts.find(key);
    if (it == parts.end()) throw ConfigError("page_shell.html: unknown marker " + key);
    out += it->second;
    pos = end + 3;
  }
  return out + shell.substr(pos);
}

}  // namespace

std::string EscapeHtml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

ReportAssets LoadReportAssets(const std::string& reports_dir) {
  ReportAssets assets;
  assets.libs = VendorScripts(reports_dir);
  assets.shell = ReadReportFile(reports_dir + "/page_shell.html", "report page shell");
  assets.script = "<script>\n" + ReadReportFile(reports_dir + "/render.js", "report script") +
                  "\n</script>\n<script>\n" +
                  ReadReportFile(reports_dir + "/scenario_report.js", "report chart specs") +
                  "\n</script>\n";
  return assets;
}

namespace {

// The busiest link directions of a SimGrid result (its engine_details), saturated first: at
// most kLinksCharted of them; null for an analytical result or one without traffic.
constexpr size_t kLinksCharted = 30;

json LinksChartJson(const json& result) {
  if (!result.contains("engine_details") || !result["engine_details"].is_object()) return nullptr;
  const json& details = result["engine_details"];
  if (!details.contains("links") || !details["links"].is_array() || details["links"].empty())
    return nullptr;
  json links = json::array();
  for (const json& l : details["links"]) {
    if (links.size() == kLinksCharted) break;
    const bool saturated = l.value("saturated", false);
    links.push_back({{"label", l.value("link", "") + " (" + l.value("direction", "") + ")"},
                     {"link", l.value("link", "")},
                     {"direction", l.value("direction", "")},
                     {"kind", l.value("kind", "")},
                     {"utilisation_pct", 100 * l.value("utilisation", 0.0)},
                     {"bw_gb_per_s", l.value("bw_bytes_per_s", 0.0) / 1e9},
                     {"sharing_flows", l.value("sharing_flows", int64_t{0})},
                     {"saturated_by", l.value("saturated_by", "")},
                     {"state", saturated ? "saturated" : "not saturated"}});
  }
  const int64_t saturated = details.value("saturated_links", int64_t{0});
  return {
      {"links", links},
      {"subtitle", fmt::format("{} replay, scope {}, {} ring(s), fabric {}; {} link direction(s) "
                               "saturated, {} carried traffic",
                               details.value("replay", ""), details.value("scope", "ring"),
                               details.value("ring_copies", int64_t{1}),
                               details.value("fabric", ""), saturated, details["links"].size())}};
}

}  // namespace

std::string RenderReportPage(const ReportAssets& assets, const ReportPageInput& in) {
  const std::vector<json>& results = *in.results;
  const json& result = results[in.index];
  const Scenario& s = in.source->scenario;
  json charts = {{"flops", ChartJson(in.charts.flops)},
                 {"exposed", ChartJson(in.charts.exposed)},
                 {"memory", ChartJson(in.charts.memory)},
                 {"devices", ChartJson(in.charts.devices)},
                 {"timeline", ChartJson(in.charts.timeline)}};
  const json sweep = SweepChartJson(results);
  if (!sweep.is_null()) charts["sweep"] = sweep;
  const json links = LinksChartJson(result);
  if (!links.is_null()) charts["links"] = links;
  json data = {{"result", result}, {"charts", charts}};

  std::string title = fmt::format("ringsim report: {}", s.name);
  std::string body;
  body += "<header><h1>" + EscapeHtml(title) + "</h1>\n";
  body += fmt::format(
      "<p class=\"sub\">{} on {} x {}, {} tokens, ring of {} "
      "({}), scope {}, {}; {} engine</p>"
      "</header>\n",
      EscapeHtml(s.model.name), s.devices, EscapeHtml(s.hardware.name), s.workload.seq_len,
      s.parallel.context, VariantName(s.parallel.variant), ScopeName(s.workload.scope),
      PassName(s.workload.pass), EscapeHtml(result["engine"].get<std::string>()));
  body += VerdictCards(result, s, in.max_seq_len);
  for (const std::string& note : in.notes)
    body += "<p class=\"note\">Note: " + EscapeHtml(note) + "</p>\n";
  if (!sweep.is_null()) {
    body += "<h2>The sweep</h2>\n";
    body += Figure("chart-sweep",
                   "Step time of every configuration that ran, against the varied key with the "
                   "most values, "
                   "one line per combination of the other varied keys; crosses do not fit in "
                   "memory. Hover for MFU and the result's index (--index charts it below).");
  }
  if (!links.is_null()) {
    body += "<h2>The fabric</h2>\n";
    body += Figure("chart-links",
                   "The link directions SimGrid's replay kept busiest over the step, saturated "
                   "ones in red: a traffic pattern had several flows share it at full bandwidth "
                   "(ringsim's closed form gives every hop its link to itself). Hover for the "
                   "flows and the pattern.");
  }
  if (results.size() > 1) body += ResultsTable(results, in.index);
  body += ScenarioSection(s, *in.source);
  body +=
      "<h2>Charts</h2>\n<p class=\"note\">Curves re-derived around this "
      "scenario with the "
      "analytical engine; hover for values.</p>\n<div class=\"charts\">\n";
  body += Figure("chart-flops",
                 "The blockwise attention kernel's achieved "
                 "rate falls at small blocks. A ring "
                 "step hides its K,V transfer while the kernel "
                 "is slower than the rate the "
                 "slowest link can feed; the curves cross at "
                 "c*. The paper's F/B uses the peak "
                 "rate instead.");
  body += Figure("chart-exposed",
                 "Communication the compute does not hide, as "
                 "a share of the whole step, with "
                 "the block (tokens per device) changed "
                 "through seq_len at this ring size.");
  body += Figure("chart-memory",
                 "What one device holds at the peak of the "
                 "step, term by term, as the context "
                 "grows on these devices; the red lines are "
                 "the HBM and what the model lets "
                 "the run use.");
  body += Figure("chart-devices",
                 "The same sequence on fewer or more devices, "
                 "the ring growing with them (and "
                 "FSDP, where it spans all devices). Colour: "
                 "the memory and overlap verdicts.");
  body += "</div>\n";
  body += Figure("chart-timeline", !in.timeline_from_trace
                                       ? "One layer, phase after phase, from the result."
                                       : "Every device's compute, ring transfers and FSDP "
                                         "collectives, from the Perfetto trace (open the same "
                                         "file in ui.perfetto.dev for more).");
  body += "<h2>Details</h2>\n<div class=\"columns\">\n" + MemoryTable(result) + PhaseTable(result) +
          "</div>\n";
  body += fmt::format(
      "<footer>Made by ringsim 0.1.0 (<code>ringsim report "
      "{}</code>) from {}; charts drawn "
      "offline with Vega, Vega-Lite and vega-embed inlined "
      "from reports/node_modules. Units "
      "are decimal SI (1 GB = 10<sup>9</sup> bytes, 1K tokens "
      "= 1000 tokens).</footer>\n",
      EscapeHtml(in.results_path), EscapeHtml(in.results_path));

  std::string page = FillShell(assets.shell, {{"TITLE", EscapeHtml(title)},
                                              {"BODY", body},
                                              {"DATA", ScriptSafeJson(data)},
                                              {"LIBS", assets.libs},
                                              {"SCRIPT", assets.script}});
  return page;
}

}  // namespace ringsim
