#include "io/implementation_loader.h"

#include <gtest/gtest.h>

#include "io/yaml_reader.h"
#include "sim/config_error.h"

namespace ringsim {
namespace {

TEST(ImplementationLoader, ReadsEveryShippedImplementation) {
  const std::vector<std::string> names = ListImplementations();
  ASSERT_GE(names.size(), 5u);
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const ImplementationSpec impl = LoadImplementation(name, "test");
    EXPECT_EQ(impl.name, name);
    EXPECT_FALSE(impl.read.empty());
    EXPECT_FALSE(impl.kernel.empty());
    for (const Sourced* s :
         {&impl.merge_bytes_per_element, &impl.merge_launches, &impl.backward_message_factor,
          &impl.host_kernel_s, &impl.call_s, &impl.ffn_working_tensors, &impl.reserve_bytes,
          &impl.reserve_fraction, &impl.host_optimizer_params_per_s,
          &impl.sequence_group_reserve_bytes, &impl.hidden_working_tensors,
          &impl.query_working_tensors, &impl.kv_working_tensors, &impl.qk_norm_working_tensors}) {
      EXPECT_FALSE(s->source.empty());
    }
    // A reserve of a few GB at most and a fraction of the HBM below a quarter.
    EXPECT_LT(impl.reserve_bytes.value, 8e9);
    EXPECT_LE(impl.sequence_group_reserve_bytes.value, impl.reserve_bytes.value);
    EXPECT_LT(impl.reserve_fraction.value, 0.25);
  }
}

TEST(ImplementationLoader, ReadsWhatTheCodeDoes) {
  const ImplementationSpec rfa = LoadImplementation("ring-flash-attn", "test");
  EXPECT_EQ(rfa.kernel, "flash-attention-2");
  EXPECT_EQ(rfa.zigzag_rule, LaunchRule::kHalves);
  EXPECT_EQ(rfa.striped_rule, LaunchRule::kCausalEveryStep);
  EXPECT_EQ(rfa.backward_message_factor.value, 3);  // dK, dV in fp32
  // d_kv_comm sends the fp32 dK, dV once more after the last step and waits for it; the
  // forward's last step sends nothing.
  EXPECT_EQ(rfa.backward_home_factor.value, 2);
  EXPECT_EQ(rfa.forward_home_factor.value, 0);
  // Transformer Engine's backward ends at the rank's own block; the paper's JAX scan
  // permutes k, v (and dk, dv) after every block, the last included.
  EXPECT_EQ(LoadImplementation("transformer-engine", "test").backward_home_factor.value, 0);
  EXPECT_EQ(LoadImplementation("jax-blockwise", "test").forward_home_factor.value, 1);
  EXPECT_EQ(LoadImplementation("jax-blockwise", "test").backward_home_factor.value, 2);
  EXPECT_EQ(LoadImplementation("torch-cp", "test").backward_home_factor.value, 2);
  // dq += dq_buffer, dk += dk_buffer, dv += dv_buffer: fp32 += bf16, three eager adds.
  EXPECT_EQ(rfa.grad_q_bytes_per_element.value, 10);
  EXPECT_EQ(rfa.grad_kv_bytes_per_element.value, 10);
  EXPECT_EQ(rfa.grad_launches.value, 3);
  EXPECT_GT(rfa.backward_step_ops.value, rfa.host_step_ops.value);  // two rings to drive
  EXPECT_EQ(LoadImplementation("torch-cp", "test").comm, CommPattern::kAllGather);
  const ImplementationSpec own = LoadImplementation("ringsim", "test");
  EXPECT_FALSE(own.causal_rate);
  // The shipped ringsim file says what the built-in default does.
  const ImplementationSpec builtin = DefaultImplementation();
  EXPECT_EQ(own.zigzag_rule, builtin.zigzag_rule);
  EXPECT_EQ(own.merge_bytes_per_element.value, builtin.merge_bytes_per_element.value);
  EXPECT_EQ(own.merge_bytes_per_row_head.value, builtin.merge_bytes_per_row_head.value);
  EXPECT_EQ(own.backward_message_factor.value, builtin.backward_message_factor.value);
  EXPECT_EQ(own.grad_launches.value, 0);  // no backward section: the kernels write in place
  EXPECT_LT(own.backward_step_ops.value, 0);
  // Its memory: the paper's blockwise FFN and the generic 10% reserve, as the built-in default.
  EXPECT_EQ(own.ffn_working_tensors.value, builtin.ffn_working_tensors.value);
  EXPECT_EQ(own.reserve_fraction.value, builtin.reserve_fraction.value);
  EXPECT_EQ(own.reserve_bytes.value, builtin.reserve_bytes.value);
  EXPECT_EQ(own.host_optimizer_params_per_s.value, builtin.host_optimizer_params_per_s.value);
  // Optimizer offload: DeepSpeed's CPU-Adam where DeepSpeed steps it, PyTorch's (5-7x slower,
  // DeepSpeed's tutorial) under FSDP2.
  EXPECT_EQ(LoadImplementation("deepspeed-ulysses", "test").host_optimizer_params_per_s.value,
            1.7e9);
  EXPECT_LT(LoadImplementation("accelerate-cp", "test").host_optimizer_params_per_s.value * 5,
            1.7e9);
  // The PyTorch stacks materialise their FFN; LWM's JAX code runs it blockwise.
  EXPECT_EQ(rfa.ffn_working_tensors.value, 6);
  EXPECT_EQ(LoadImplementation("jax-blockwise", "test").ffn_working_tensors.value, 0);
  // torchtitan's expandable segments halve the allocator slack.
  EXPECT_EQ(LoadImplementation("torch-cp", "test").reserve_fraction.value, 0.05);
  // torchtitan repeats K, V to the query heads before SDPA; Transformers passes enable_gqa, so
  // Accelerate's context parallelism gathers the KV heads only, and SDPA picks cuDNN on Hopper.
  const ImplementationSpec accelerate = LoadImplementation("accelerate-cp", "test");
  EXPECT_TRUE(LoadImplementation("torch-cp", "test").kv_heads_repeated);
  EXPECT_FALSE(accelerate.kv_heads_repeated);
  EXPECT_EQ(accelerate.comm, CommPattern::kAllGather);
  EXPECT_EQ(accelerate.kernel, "cudnn");
  // Eager Transformers layers keep more than ringsim's generic six hidden-width tensors: the
  // RMSNorms' fp32 copies, o_proj's contiguous input, Qwen3's q/k norms.
  EXPECT_EQ(accelerate.hidden_working_tensors.value, 10);
  EXPECT_EQ(accelerate.query_working_tensors.value, 1);
  EXPECT_EQ(accelerate.qk_norm_working_tensors.value, 3);
  EXPECT_EQ(builtin.hidden_working_tensors.value, 6);
  EXPECT_EQ(own.hidden_working_tensors.value, builtin.hidden_working_tensors.value);
  EXPECT_EQ(accelerate.zigzag_rule, LaunchRule::kHalves);
  EXPECT_EQ(accelerate.ffn_working_tensors.value, 6);  // eager gated MLP, as ring-flash-attn's
  // Transformer Engine's FP8 linears save their 1-byte input copies; the others the bf16 input.
  for (const char* te :
       {"transformer-engine", "transformer-engine-a2a", "transformer-engine-all-gather"}) {
    EXPECT_EQ(LoadImplementation(te, "test").fp8_linear_input_bytes.value, 1) << te;
  }
  EXPECT_EQ(LoadImplementation("torch-cp", "test").fp8_linear_input_bytes.value, 0);
}

TEST(ImplementationLoader, UnknownNamesSuggest) {
  try {
    LoadImplementation("ring-flash-atn", "scenario.yaml:3:17: implementation");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "scenario.yaml:3:17: implementation: unknown implementation 'ring-flash-atn'; did "
              "you mean 'ring-flash-attn'?");
  }
}

/// The ConfigError message of reading `root` as an implementation, "no error" if it reads.
std::string ErrorOf(const YAML::Node& root) {
  try {
    ImplementationFromYaml(root, "impl.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

/// A shipped implementation's YAML, to spoil one key of.
YAML::Node Shipped(const std::string& name) {
  return LoadYamlFile(LoadImplementation(name, "t").file);
}

TEST(ImplementationLoader, BadRuleNamesFileLineAndKey) {
  YAML::Node root = Shipped("ring-flash-attn");
  root["launches"]["zigzag"] = "diagonal";
  const std::string error = ErrorOf(root);
  EXPECT_NE(error.find("launches.zigzag"), std::string::npos) << error;
}

TEST(ImplementationLoader, GroupReserveAboveTheReserveNamesTheKey) {
  YAML::Node root = Shipped("deepspeed-ulysses");
  root["memory"]["sequence_group_reserve_bytes"]["value"] = 9e9;
  const std::string error = ErrorOf(root);
  EXPECT_NE(error.find("memory.sequence_group_reserve_bytes"), std::string::npos) << error;
  EXPECT_NE(error.find("expected a share of reserve_bytes"), std::string::npos) << error;
}

TEST(ImplementationLoader, Fp8InputBytesAboveBf16NamesTheKey) {
  YAML::Node root = Shipped("transformer-engine");
  root["memory"]["fp8_linear_input_bytes"]["value"] = 4;
  const std::string error = ErrorOf(root);
  EXPECT_NE(error.find("memory.fp8_linear_input_bytes"), std::string::npos) << error;
  EXPECT_NE(error.find("at most 2"), std::string::npos) << error;
}

TEST(ImplementationLoader, ZeroOptimizerRateNamesTheKey) {
  YAML::Node root = Shipped("deepspeed-ulysses");
  root["host"]["optimizer_params_per_s"]["value"] = 0;
  std::string error = ErrorOf(root);
  EXPECT_NE(error.find("host.optimizer_params_per_s"), std::string::npos) << error;
  root["host"].remove("optimizer_params_per_s");
  error = ErrorOf(root);
  EXPECT_NE(error.find("optimizer_params_per_s"), std::string::npos) << error;
}

}  // namespace
}  // namespace ringsim
