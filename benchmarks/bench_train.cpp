// bench_train: throughput of one GRPO policy update (forward + backward on completions, AdamW step) on the
// fixed benchmark model, measured in one run against the machine's fp32 matmul speed (model FLOPs
// utilisation), the rollout of the same batch (the step's time split), and the Python/PyTorch reference doing
// the same update (scripts/reference/train_step.py). Figures go to BENCHMARKS.md.
#include <torch/cuda.h>
#include <torch/torch.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

#include "model/device.h"
#include "model/model_dir.h"
#include "model/transformer.h"
#include "rollout/engine.h"
#include "trainer/grpo_loss.h"
#include "trainer/optimizer.h"
#include "trainer/training_batch.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void sync(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

grpo::ModelConfig bench_config() {
  grpo::ModelConfig config;
  config.vocab_size = 8000;
  config.hidden_size = 512;
  config.intermediate_size = 1408;
  config.num_hidden_layers = 8;
  config.num_attention_heads = 8;
  config.num_key_value_heads = 4;
  config.max_position_embeddings = 1024;
  return config;
}

// fp32 matmul speed [M, K] x [K, N] in GFLOP/s (best of a few repetitions).
double matmul_gflops(int64_t m, int64_t k, int64_t n, const torch::Device& device) {
  auto a = torch::randn({m, k}, torch::TensorOptions().device(device));
  auto b = torch::randn({k, n}, torch::TensorOptions().device(device));
  torch::matmul(a, b);
  sync(device);
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    double t0 = now();
    for (int i = 0; i < 4; ++i) torch::matmul(a, b);
    sync(device);
    best = std::min(best, (now() - t0) / 4);
  }
  return 2.0 * m * k * n / best / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_train: GRPO update throughput, MFU and the step's time split on the benchmark model"};
  std::string device_name = "cpu", python = "/usr/bin/python3", json_path;
  int threads = 2;
  int64_t prompts = 8, group = 8, prompt_length = 64, new_tokens = 128, budget = 8192, repeats = 2;
  app.add_option("--device", device_name)->capture_default_str();
  app.add_option("--threads", threads)->capture_default_str();
  app.add_option("--prompts", prompts)->capture_default_str();
  app.add_option("--group", group)->capture_default_str();
  app.add_option("--prompt-length", prompt_length)->capture_default_str();
  app.add_option("--new-tokens", new_tokens)->capture_default_str();
  app.add_option("--micro-batch-tokens", budget)->capture_default_str();
  app.add_option("--repeats", repeats, "Timed updates (after one warm-up)")->capture_default_str();
  app.add_option("--python", python, "Python with torch for the reference ('' to skip)")
      ->capture_default_str();
  app.add_option("--json", json_path, "Write the figures as JSON");
  CLI11_PARSE(app, argc, argv);

  grpo::configure_threads(threads);
  const torch::Device device = grpo::parse_device(device_name);
  auto config = bench_config();
  grpo::Transformer model(config);
  grpo::initialize_weights(*model, 1);
  model->to(device);
  const double body_params =
      static_cast<double>(config.parameter_count() - config.vocab_size * config.hidden_size);

  // Matmul speed at the update's shapes (rows = tokens of a micro-batch).
  double gflops = matmul_gflops(2048, 512, 1408, device);

  // The rollout of the batch (also the completions the update learns from).
  std::mt19937_64 rng(3);
  std::vector<std::vector<int64_t>> prompt_ids(prompts, std::vector<int64_t>(prompt_length));
  for (auto& p : prompt_ids) {
    for (auto& t : p) t = static_cast<int64_t>(rng() % 7990) + 10;
  }
  grpo::RolloutEngine engine(model, nullptr);
  grpo::GenerationOptions options;
  options.num_samples = group;
  options.max_new_tokens = new_tokens;
  options.stop_at_eos = false;
  double t0 = now();
  auto rollout = engine.generate(prompt_ids, options);
  double rollout_seconds = now() - t0;

  std::vector<grpo::TrainingSequence> sequences;
  std::normal_distribution<double> normal;
  for (auto& completion : rollout.completions) {
    grpo::TrainingSequence s;
    s.prompt_ids = prompt_ids[completion.prompt_index];
    s.completion_ids = completion.token_ids;
    s.advantage = normal(rng);
    sequences.push_back(std::move(s));
  }
  std::vector<size_t> rows(sequences.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  auto micro_batches = grpo::split_by_token_budget(sequences, rows, budget);
  auto optimizer = grpo::make_adamw(*model, {1e-6, 0.9, 0.999, 1e-8, 0.0});
  grpo::LossSettings settings;
  grpo::MinibatchTotals totals{static_cast<double>(sequences.size()), 0.0,
                               static_cast<double>(micro_batches.size())};
  for (const auto& s : sequences) totals.completion_tokens += static_cast<double>(s.completion_ids.size());

  int64_t tokens_per_update = 0;
  auto update = [&]() {
    model->train();
    optimizer->zero_grad();
    tokens_per_update = 0;
    for (const auto& micro : micro_batches) {
      auto batch = grpo::make_micro_batch(sequences, micro, device);
      auto hidden = model->hidden_states(batch.input_ids, batch.positions, batch.attention_mask);
      auto logprobs = grpo::token_logprobs(*model, hidden, batch.targets, batch.completion_positions);
      grpo::LossInputs in{logprobs, logprobs.detach(), {}, batch.advantages, batch.loss_mask};
      grpo::grpo_loss(in, settings, totals).loss.backward();
      tokens_per_update += batch.attention_mask.sum().item<int64_t>();
    }
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    optimizer->step();
    sync(device);
  };
  update();  // warm-up
  double best = 1e30;
  for (int64_t r = 0; r < repeats; ++r) {
    double start = now();
    update();
    best = std::min(best, now() - start);
  }
  const double tokens_per_second = static_cast<double>(tokens_per_update) / best;
  const double sequence_length = static_cast<double>(prompt_length + new_tokens);
  // 6 FLOPs per body parameter per token (forward 2, backward 4), plus attention (QK^T and PV, x3 for
  // backward).
  const double attention_flops =
      6.0 * 2.0 * config.num_hidden_layers * config.hidden_size * sequence_length / 2;
  const double flops_per_token = 6.0 * body_params + attention_flops;
  const double achieved = tokens_per_second * flops_per_token / 1e9;

  json figures = {{"device", device.str()},
                  {"threads", threads},
                  {"sequences", sequences.size()},
                  {"tokens_per_update", tokens_per_update},
                  {"micro_batches", micro_batches.size()},
                  {"update_seconds", best},
                  {"train_tokens_per_second", tokens_per_second},
                  {"matmul_gflops", gflops},
                  {"achieved_gflops", achieved},
                  {"mfu", achieved / gflops},
                  {"rollout_seconds", rollout_seconds},
                  {"rollout_share_of_step", rollout_seconds / (rollout_seconds + best)}};

  // The Python reference: the same update (same sizes, same loss at mu = 1, AdamW) in plain PyTorch.
  if (!python.empty() && std::system((python + " -c 'import torch' >/dev/null 2>&1").c_str()) == 0) {
    fs::path dir = fs::temp_directory_path() / ("bench-train-" + std::to_string(::getpid()));
    model->to(torch::kCPU);
    grpo::save_model(*model, dir);
    fs::path script = fs::path(GRPO_SOURCE_DIR) / "scripts" / "reference" / "train_step.py";
    std::string command =
        fmt::format("{} {} {} --threads {} --sequences {} --length {} --prompt-length {} --repeats {}",
                    python, script.string(), dir.string(), threads, sequences.size(),
                    prompt_length + new_tokens, prompt_length, repeats);
    FILE* pipe = ::popen(command.c_str(), "r");
    std::string output;
    char buffer[4096];
    while (pipe && std::fgets(buffer, sizeof(buffer), pipe)) output += buffer;
    if (pipe) ::pclose(pipe);
    fs::remove_all(dir);
    try {
      auto reference = json::parse(output.substr(output.rfind('{')));
      figures["python_tokens_per_second"] = reference["tokens_per_second"];
      figures["speedup_vs_python"] = tokens_per_second / reference["tokens_per_second"].get<double>();
    } catch (const std::exception&) {
      fmt::print(stderr, "python reference failed: {}\n", output);
    }
  }

  fmt::print(
      "GRPO update on the benchmark model ({} sequences of {} tokens, {} micro-batches of <= {} tokens)\n",
      sequences.size(), prompt_length + new_tokens, micro_batches.size(), budget);
  fmt::print("  update: {:.2f} s, {:.0f} tokens/s forward+backward+AdamW\n", best, tokens_per_second);
  fmt::print("  matmul: {:.1f} GFLOP/s; update achieves {:.1f} GFLOP/s = {:.0f}% MFU\n", gflops, achieved,
             100 * achieved / gflops);
  fmt::print("  rollout of the same batch: {:.2f} s -> a step is {:.0f}% rollout, {:.0f}% update\n",
             rollout_seconds, 100 * rollout_seconds / (rollout_seconds + best),
             100 * best / (rollout_seconds + best));
  if (figures.contains("python_tokens_per_second")) {
    fmt::print("  Python reference update: {:.0f} tokens/s -> C++ is {:.2f}x\n",
               figures["python_tokens_per_second"].get<double>(), figures["speedup_vs_python"].get<double>());
  }
  if (!json_path.empty()) std::ofstream(json_path) << figures.dump(2) << "\n";
  return 0;
}
