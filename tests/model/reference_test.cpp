// The C++ model against the independent PyTorch reference (scripts/reference/model.py), run as a real
// subprocess on a model directory written by save_model: logits must agree to 1e-4 for each flavour (Llama,
// Qwen2, Qwen3 with q/k norms and an explicit head_dim, llama3 and linear rope scaling, and the
// mixture-of-experts gatings: Qwen2-MoE softmax with its gated shared expert, Qwen3-MoE renormalised top-k,
// Mixtral, and DeepSeek-V3-style sigmoid with a balancing bias, routed scaling and ungated shared experts).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fmt/format.h>

#include <ostream>
#include <string>
#include <vector>

#include "model/model_dir.h"
#include "model/safetensors.h"
#include "test_support.h"

namespace grpo {
namespace {

using grpo::testing::TempDir;

struct Flavour {
  std::string name;
  std::string model_type;
  bool tied;
  double rope_theta;
  std::string torch_dtype;
  bool attention_bias = false;  // Llama / Qwen3: q/k/v/o biases
  int64_t head_dim = 0;         // 0 = hidden_size / heads
  RopeScaling rope_scaling = {};
  int64_t first_position = 0;  // rotary position of the first token (far positions make rope scaling matter)
  MoeConfig moe = {};          // num_experts 0: dense
};

// 6 experts of width 40, top 2; the rest as `type` needs.
MoeConfig experts(const std::string& type) {
  MoeConfig moe;
  moe.num_experts = 6;
  moe.num_experts_per_tok = 2;
  moe.moe_intermediate_size = type == "mixtral" ? 80 : 40;  // Mixtral's experts are intermediate_size wide
  moe.norm_topk_prob = type != "qwen2_moe";
  if (type == "qwen2_moe") {
    moe.shared_expert_intermediate_size = 56;
    moe.mlp_only_layers = {0};  // one dense layer
  }
  if (type == "deepseek") {  // on qwen3_moe: DeepSeek-V3's routing
    moe.scoring_func = "sigmoid";
    moe.topk_method = "noaux_tc";
    moe.routed_scaling_factor = 2.5;
    moe.n_shared_experts = 1;
    moe.first_k_dense_replace = 1;
  }
  return moe;
}

RopeScaling llama3_scaling(double factor, double low, double high, int64_t original) {
  RopeScaling scaling;
  scaling.type = "llama3";
  scaling.factor = factor;
  scaling.low_freq_factor = low;
  scaling.high_freq_factor = high;
  scaling.original_max_position_embeddings = original;
  return scaling;
}

RopeScaling linear_scaling(double factor) {
  RopeScaling scaling;
  scaling.type = "linear";
  scaling.factor = factor;
  return scaling;
}

Flavour moe_flavour(const std::string& name, const std::string& type, bool tied, int64_t head_dim,
                    const MoeConfig& moe) {
  Flavour flavour{name, type, tied, 1000000.0, "float32"};
  flavour.head_dim = head_dim;
  flavour.moe = moe;
  return flavour;
}

void PrintTo(const Flavour& flavour, std::ostream* out) {
  *out << flavour.name;
}

ModelConfig flavour_config(const Flavour& flavour) {
  ModelConfig config;
  config.model_type = flavour.model_type;
  config.vocab_size = 89;
  config.hidden_size = 48;
  config.intermediate_size = 80;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 6;
  config.num_key_value_heads = 2;  // grouped-query: 3 query heads per key/value head
  config.rms_norm_eps = 1e-5;
  config.rope_theta = flavour.rope_theta;
  config.tie_word_embeddings = flavour.tied;
  config.torch_dtype = flavour.torch_dtype;
  config.attention_bias = flavour.attention_bias;
  config.head_dim = flavour.head_dim;
  config.rope_scaling = flavour.rope_scaling;
  config.moe = flavour.moe;
  return config;
}

// Random weights with every parameter non-trivial: norms and biases too, so that each one is checked.
Transformer random_model(const ModelConfig& config) {
  Transformer model(config);
  initialize_weights(*model, /*seed=*/5, 0.15);
  torch::NoGradGuard no_grad;
  for (auto& parameter : model->parameters()) {
    if (parameter.dim() == 1) parameter.add_(torch::randn_like(parameter) * 0.2);
  }
  // Balancing biases large enough to change which experts are chosen.
  for (auto& buffer : model->buffers()) buffer.copy_(torch::randn_like(buffer) * 0.3);
  return model;
}

const std::vector<std::vector<int64_t>> kTokens{{1, 17, 4, 88, 23, 23, 0, 51, 9, 60, 2, 33},
                                                {5, 5, 72, 3, 41, 13, 80, 8, 19, 44, 71, 6}};

class ReferenceModel : public ::testing::TestWithParam<Flavour> {};

TEST_P(ReferenceModel, LogitsMatchThePyTorchReference) {
  const std::string python = grpo::testing::python_with_torch();
  if (python.empty()) {
    GTEST_SKIP() << "no Python with torch at " << GRPO_PYTHON
                 << " (install Debian's python3-torch: scripts/setup.sh); the reference check is skipped";
  }
  const Flavour& flavour = GetParam();
  TempDir dir;
  auto written = random_model(flavour_config(flavour));
  save_model(*written, dir / "model");

  // The C++ side reads the directory back, as a user's run would.
  auto model = load_model(dir / "model");
  const int64_t batch = static_cast<int64_t>(kTokens.size()), steps = static_cast<int64_t>(kTokens[0].size());
  std::vector<int64_t> flat;
  std::string token_args;
  for (const auto& row : kTokens) {
    flat.insert(flat.end(), row.begin(), row.end());
    token_args += fmt::format(" --tokens {}", fmt::join(row, ","));
  }
  auto ids = torch::tensor(flat, torch::kLong).view({batch, steps});
  auto positions = (flavour.first_position + torch::arange(steps, torch::kLong))
                       .unsqueeze(0)
                       .expand({batch, steps})
                       .contiguous();
  torch::Tensor logits;
  {
    torch::NoGradGuard no_grad;
    logits = model->forward(ids, positions, {});  // [B, T, V]
  }

  const auto script = grpo::testing::source_dir() / "scripts" / "reference" / "model.py";
  const auto output = dir / "reference_logits.safetensors";
  auto result = grpo::testing::run_command(fmt::format("'{}' '{}' '{}'{} --first-position {} --output '{}'",
                                                       python, script.string(), (dir / "model").string(),
                                                       token_args, flavour.first_position, output.string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto reference = read_safetensors(output).tensors.at("logits");  // [B, T, V] float64
  ASSERT_EQ(reference.sizes(), logits.sizes());

  const double max_difference = (logits.to(torch::kFloat64) - reference).abs().max().item<double>();
  const double scale = reference.abs().max().item<double>();
  EXPECT_LT(max_difference, 1e-4) << flavour.name << ": logits up to " << scale;
  EXPECT_GT(scale, 0.1) << "logits this small would make the comparison meaningless";
}

INSTANTIATE_TEST_SUITE_P(
    Flavours, ReferenceModel,
    ::testing::Values(
        Flavour{"LlamaUntied", "llama", false, 10000.0, "float32"},
        Flavour{"LlamaTied", "llama", true, 500000.0, "float32"},
        Flavour{"Qwen2Biases", "qwen2", false, 1000000.0, "float32"},
        Flavour{"Qwen2TiedBFloat16", "qwen2", true, 10000.0, "bfloat16"},
        Flavour{"LlamaAttentionBiasWideHeads", "llama", false, 10000.0, "float32", /*attention_bias=*/true,
                /*head_dim=*/16},
        // Qwen3: q/k norms; head_dim 16 where hidden / heads is 8, as
        // Qwen3-0.6B's 128 is not 1024 / 16.
        Flavour{"Qwen3TiedExplicitHeadDim", "qwen3", true, 1000000.0, "float32", false, /*head_dim=*/16},
        Flavour{"Qwen3AttentionBiasBFloat16", "qwen3", false, 10000.0, "bfloat16", /*attention_bias=*/true},
        // llama3 scaling with a short original context, so that the pairs
        // of an 8-wide head fall in each band (kept, blended, slowed).
        Flavour{"Llama3RopeScalingEveryBand", "llama", true, 10000.0, "float32", false, 0,
                llama3_scaling(8.0, 1.0, 4.0, 64), 40},
        // Llama 3.2's own parameters at positions where the slowed pairs have turned visibly apart
        // (much farther, float32 angles, as Hugging Face computes them too, lose 1e-4).
        Flavour{"Llama32RopeScalingFarPositions", "llama", true, 500000.0, "float32", false, 16,
                llama3_scaling(32.0, 1.0, 4.0, 8192), 1000},
        Flavour{"LinearRopeScaling", "llama", false, 10000.0, "float32", false, 0, linear_scaling(4.0), 100},
        moe_flavour("Qwen2MoeSoftmaxSharedExpert", "qwen2_moe", false, 0, experts("qwen2_moe")),
        moe_flavour("Qwen3MoeNormalisedTopK", "qwen3_moe", true, 16, experts("qwen3_moe")),
        moe_flavour("Mixtral", "mixtral", false, 0, experts("mixtral")),
        moe_flavour("DeepSeekSigmoidBiasScaledSharedExperts", "qwen3_moe", false, 0, experts("deepseek"))),
    [](const ::testing::TestParamInfo<Flavour>& info) { return info.param.name; });

}  // namespace
}  // namespace grpo
