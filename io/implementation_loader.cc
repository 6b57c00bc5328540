#include "io/implementation_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "io/file_cache.h"
#include "io/input_file.h"
#include "io/yaml_reader.h"
#include "sim/config_error.h"

namespace ringsim {

namespace fs = std::filesystem;

namespace {

// {value: X >= 0, source: "kind: where"}.
Sourced ReadNumber(YamlMap& parent, const std::string& key, double min_value) {
  YamlMap entry = parent.Map(key);
  Sourced out;
  out.value = entry.Number("value");
  if (!(out.value >= min_value)) {
    entry.Fail("value", fmt::format("expected a number >= {}, got {}", min_value, out.value));
  }
  out.source = entry.String("source");
  entry.Finish();
  return out;
}

LaunchRule ReadRule(YamlMap& map, const std::string& key) {
  LaunchRule rule;
  ParseLaunchRule(
      map.Choice(key, {"chunk-pairs", "halves", "causal-every-step", "gathered-prefix"}), &rule);
  return rule;
}

}  // namespace

std::string ImplementationDir() {
  const char* dir = std::getenv("RINGSIM_IMPLEMENTATIONS");
  if (dir != nullptr && dir[0] != '\0') return dir;
  return std::string(RINGSIM_DATA_DIR) + "/implementations";
}

std::vector<std::string> ListImplementations() {
  std::vector<std::string> names;
  for (const std::string& file :
       FilesWithExtension(ImplementationDir(), ".yaml", "implementations"))
    names.push_back(fs::path(file).stem().string());
  return names;
}

ImplementationSpec ImplementationFromYaml(const YAML::Node& root, const std::string& file) {
  YamlMap top(root, file, "");
  if (top.PositiveInteger("schema_version") != 1) {
    top.Fail("schema_version", "expected 1 (this ringsim reads implementation schema 1)");
  }
  ImplementationSpec impl;
  impl.file = file;
  impl.name = top.String("name");
  impl.description = top.String("description");
  YAML::Node read = top.Node("read");
  if (!read.IsSequence() || read.size() == 0) {
    top.Fail("read",
             "expected a list of what was read to write this file (repository@commit/path)");
  }
  for (const YAML::Node& item : read) {
    if (!item.IsScalar()) top.Fail("read", "expected strings");
    impl.read.push_back(item.Scalar());
  }
  {
    YamlMap kernel = top.Map("kernel");
    impl.kernel = kernel.String("name");
    impl.kernel_source = kernel.String("source");
    kernel.Finish();
  }
  {
    YamlMap launches = top.Map("launches");
    impl.ring_rule = ReadRule(launches, "ring");
    impl.zigzag_rule = ReadRule(launches, "zigzag");
    impl.striped_rule = ReadRule(launches, "striped");
    impl.causal_rate = launches.Bool("causal_rate", true);
    impl.launch_source = launches.String("source");
    launches.Finish();
  }
  {
    YamlMap comm = top.Map("communication");
    ParseCommPattern(comm.Choice("pattern", {"p2p", "all-gather", "all-to-all", "none"}),
                     &impl.comm);
    impl.comm_source = comm.String("source");
    impl.backward_message_factor = ReadNumber(comm, "backward_message_factor", 0);
    if (comm.Has("forward_home_factor"))
      impl.forward_home_factor = ReadNumber(comm, "forward_home_factor", 0);
    if (comm.Has("backward_home_factor"))
      impl.backward_home_factor = ReadNumber(comm, "backward_home_factor", 0);
    impl.kv_heads_repeated = comm.Choice("kv_heads", {"kv", "query"}, "kv") == "query";
    comm.Finish();
  }
  {
    YamlMap merge = top.Map("merge");
    impl.merge_bytes_per_element = ReadNumber(merge, "bytes_per_element", 0);
    impl.merge_bytes_per_row_head = ReadNumber(merge, "bytes_per_row_head", 0);
    impl.merge_launches = ReadNumber(merge, "launches", 0);
    if (merge.Has("slice_bytes_per_element")) {
      impl.merge_slice_bytes_per_element = ReadNumber(merge, "slice_bytes_per_element", 0);
      impl.merge_slice_launches = ReadNumber(merge, "slice_launches", 0);
    }
    if (!IsExactWholeNumber(impl.merge_launches.value)) {
      merge.Fail("launches", "expected a whole number of kernels");
    }
    merge.Finish();
  }
  // Optional: implementations whose backward kernels write the gradients in place leave it out.
  if (top.Has("backward")) {
    YamlMap grads = top.Map("backward");
    impl.grad_q_bytes_per_element = ReadNumber(grads, "q_bytes_per_element", 0);
    impl.grad_kv_bytes_per_element = ReadNumber(grads, "kv_bytes_per_element", 0);
    impl.grad_launches = ReadNumber(grads, "launches", 0);
    if (!IsExactWholeNumber(impl.grad_launches.value)) {
      grads.Fail("launches", "expected a whole number of kernels");
    }
    if (grads.Has("step_ops")) impl.backward_step_ops = ReadNumber(grads, "step_ops", 0);
    grads.Finish();
  }
  {
    YamlMap host = top.Map("host");
    impl.host_kernel_s = ReadNumber(host, "kernel_s", 0);
    impl.host_op_s = ReadNumber(host, "op_s", 0);
    impl.host_step_ops = ReadNumber(host, "step_ops", 0);
    impl.call_s = ReadNumber(host, "call_s", 0);
    impl.host_optimizer_params_per_s = ReadNumber(host, "optimizer_params_per_s", 0);
    if (!(impl.host_optimizer_params_per_s.value > 0)) {
      host.Fail("optimizer_params_per_s",
                "expected the CPU optimizer's parameters per second on one node (> 0)");
    }
    host.Finish();
  }
  {
    YamlMap memory = top.Map("memory");
    impl.ffn_working_tensors = ReadNumber(memory, "ffn_working_tensors", 0);
    impl.hidden_working_tensors = ReadNumber(memory, "hidden_working_tensors", 2);
    impl.query_working_tensors = ReadNumber(memory, "query_working_tensors", 0);
    impl.kv_working_tensors = ReadNumber(memory, "kv_working_tensors", 0);
    impl.qk_norm_working_tensors = ReadNumber(memory, "qk_norm_working_tensors", 0);
    if (memory.Has("fp8_linear_input_bytes")) {
      impl.fp8_linear_input_bytes = ReadNumber(memory, "fp8_linear_input_bytes", 0);
      if (impl.fp8_linear_input_bytes.value > 2) {
        memory.Fail("fp8_linear_input_bytes",
                    fmt::format("expected bytes per element of an FP8 copy (at most 2), got {}",
                                impl.fp8_linear_input_bytes.value));
      }
    }
    impl.reserve_bytes = ReadNumber(memory, "reserve_bytes", 0);
    impl.sequence_group_reserve_bytes = ReadNumber(memory, "sequence_group_reserve_bytes", 0);
    if (impl.sequence_group_reserve_bytes.value > impl.reserve_bytes.value) {
      memory.Fail("sequence_group_reserve_bytes",
                  fmt::format("expected a share of reserve_bytes ({}), got {}",
                              impl.reserve_bytes.value, impl.sequence_group_reserve_bytes.value));
    }
    impl.reserve_fraction = ReadNumber(memory, "reserve_fraction", 0);
    if (!(impl.reserve_fraction.value < 0.9)) {
      memory.Fail("reserve_fraction",
                  fmt::format("expected a fraction of the HBM below 0.9, got {}",
                              impl.reserve_fraction.value));
    }
    memory.Finish();
  }
  top.Finish();
  return impl;
}

ImplementationSpec LoadImplementation(const std::string& value, const std::string& where) {
  const bool is_path = value.find('/') != std::string::npos ||
                       (value.size() > 5 && value.compare(value.size() - 5, 5, ".yaml") == 0);
  std::string path = is_path ? value : ImplementationDir() + "/" + value + ".yaml";
  if (!is_path && !IsRegularFile(path)) {
    const std::vector<std::string> names = ListImplementations();
    const std::string suggestion = ClosestMatch(value, names);
    std::string known;
    for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
    throw ConfigError(
        fmt::format("{}: unknown implementation '{}'; {}", where, value,
                    suggestion.empty() ? "known: " + known : "did you mean '" + suggestion + "'?"));
  }
  static FileCache<ImplementationSpec> cache;
  return cache.Get(path, [&] {
    ImplementationSpec impl = ImplementationFromYaml(LoadYamlFile(path), path);
    if (!is_path && impl.name != value) {
      throw ConfigError(fmt::format("{}: name: expected '{}' (the file's name), got '{}'", path,
                                    value, impl.name));
    }
    return impl;
  });
}

}  // namespace ringsim
