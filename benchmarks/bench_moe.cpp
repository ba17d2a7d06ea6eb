// bench_moe: the cost per token of a mixture-of-experts model against two dense ones, measured in one run:
// "active", whose MLP is as wide as the MoE block's per-token width (2 routed experts + the shared expert),
// and "total", whose MLP has all the MoE block's weights (every expert + the shared one). Same attention,
// embeddings and head. For each: forward + backward tokens/s (training shape, random tokens, loss = mean
// logsumexp of the logits) and decode tokens/s (a prompt prefilled into the KV cache, then one token per row
// per step, greedy), each the best of --repeats rounds that visit the three models in turn (on a shared
// machine the models see the same load). Shapes: moe-tiny's (hidden 128) and a 4x wider one (hidden 512).
#include <torch/torch.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "benchmarks/bench_timing.h"
#include "core/openmp_wait_policy.h"
#include "model/presets.h"
#include "model/transformer.h"

namespace {

using grpo::ModelConfig;
using grpo::Transformer;

struct Options {
  int threads = 2;
  int64_t vocab_size = 4096;
  int64_t train_rows = 8, train_length = 256;
  int64_t decode_rows = 64, prompt_length = 32, decode_steps = 64;
  int repeats = 3;
};

struct Variant {
  std::string name;
  ModelConfig config;
  Transformer model{nullptr};
  double train_tokens_per_second = 0, decode_tokens_per_second = 0;
};

// hidden, layers, expert width: 8 experts, top 2, a shared expert twice an expert's width.
std::vector<Variant> variants(int64_t hidden, int64_t expert_width, int64_t vocab_size) {
  ModelConfig moe = grpo::preset_config("moe-tiny", vocab_size);
  moe.hidden_size = hidden;
  moe.num_attention_heads = hidden / 32;
  moe.num_key_value_heads = std::max<int64_t>(1, hidden / 64);
  moe.moe.moe_intermediate_size = expert_width;
  moe.moe.shared_expert_intermediate_size = 2 * expert_width;
  moe.moe.router_aux_loss_coef = 0.0;
  ModelConfig active = moe;
  active.model_type = "llama";
  active.moe = grpo::MoeConfig();
  active.moe.num_experts = 0;
  active.intermediate_size = 4 * expert_width;  // 2 routed + the shared expert (2 wide)
  ModelConfig total = active;
  total.intermediate_size = (8 + 2) * expert_width;
  return {
      {"dense, equal active", active}, {"MoE 8 experts top-2 + shared", moe}, {"dense, equal total", total}};
}

double train_step_seconds(Transformer& model, const Options& options) {
  auto ids =
      torch::randint(3, model->config().vocab_size, {options.train_rows, options.train_length}, torch::kLong);
  auto positions = torch::arange(options.train_length, torch::kLong).expand_as(ids).contiguous();
  model->train();
  return grpo::bench::best_seconds_per_call(torch::kCPU, 2.0, [&] {
    model->zero_grad();
    model->forward(ids, positions, {}).logsumexp(-1).mean().backward();
  });
}

double decode_seconds(Transformer& model, const Options& options) {
  model->eval();
  c10::InferenceMode inference;
  auto prompt = torch::randint(3, model->config().vocab_size, {options.decode_rows, options.prompt_length},
                               torch::kLong);
  auto prompt_positions = torch::arange(options.prompt_length, torch::kLong).expand_as(prompt).contiguous();
  grpo::KVCache cache;
  auto logits = model->forward(prompt, prompt_positions, {}, &cache);  // [B, P, V]
  auto token = logits.select(1, options.prompt_length - 1).argmax(-1, true);
  const double start = grpo::now_seconds();
  for (int64_t t = 0; t < options.decode_steps; ++t) {
    auto position = torch::full({options.decode_rows, 1}, options.prompt_length + t, torch::kLong);
    token = model->forward(token, position, {}, &cache).select(1, 0).argmax(-1, true);  // [B, 1]
  }
  return grpo::now_seconds() - start;
}

}  // namespace

int main(int argc, char** argv) {
  grpo::use_passive_openmp_wait_policy(argv);
  Options options;
  CLI::App app{"bench_moe: MoE cost per token against dense models of equal active and total parameters"};
  app.add_option("--threads", options.threads, "intra-op threads")->capture_default_str();
  app.add_option("--vocab-size", options.vocab_size, "vocabulary of all models")->capture_default_str();
  app.add_option("--repeats", options.repeats, "rounds over the three models (best counts)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  torch::set_num_threads(options.threads);
  torch::manual_seed(1);
  fmt::print(
      "bench_moe: {} threads on {}; vocabulary {}; training {} x {} tokens; decoding {} rows, prompt {}, "
      "{} steps\n",
      options.threads, grpo::bench::cpu_model_name(), options.vocab_size, options.train_rows,
      options.train_length, options.decode_rows, options.prompt_length, options.decode_steps);
  for (auto [hidden, expert_width] : {std::pair<int64_t, int64_t>{128, 88}, {512, 352}}) {
    auto models = variants(hidden, expert_width, options.vocab_size);
    for (auto& v : models) {
      v.model = Transformer(v.config);
      grpo::initialize_weights(*v.model, 7);
    }
    for (int round = 0; round < options.repeats; ++round) {
      for (auto& v : models) {
        const double tokens = static_cast<double>(options.train_rows * options.train_length);
        v.train_tokens_per_second =
            std::max(v.train_tokens_per_second, tokens / train_step_seconds(v.model, options));
        const double decoded = static_cast<double>(options.decode_rows * options.decode_steps);
        v.decode_tokens_per_second =
            std::max(v.decode_tokens_per_second, decoded / decode_seconds(v.model, options));
      }
    }
    fmt::print("\nhidden {}, {} layers, expert width {}:\n", hidden, models[1].config.num_hidden_layers,
               expert_width);
    fmt::print("{:<30} {:>10} {:>10} {:>14} {:>8} {:>14} {:>8}\n", "model", "params", "active",
               "fwd+bwd tok/s", "ratio", "decode tok/s", "ratio");
    const Variant& moe = models[1];
    for (const auto& v : models) {
      fmt::print("{:<30} {:>9.2f}M {:>9.2f}M {:>14.0f} {:>7.2f}x {:>14.0f} {:>7.2f}x\n", v.name,
                 static_cast<double>(v.config.parameter_count()) / 1e6,
                 static_cast<double>(v.config.active_parameter_count()) / 1e6, v.train_tokens_per_second,
                 v.train_tokens_per_second / moe.train_tokens_per_second, v.decode_tokens_per_second,
                 v.decode_tokens_per_second / moe.decode_tokens_per_second);
    }
  }
  return 0;
}
