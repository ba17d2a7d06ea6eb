// bench_rollout: tokens/s of the rollout engine on a fixed random model, measured in one run against its own
// no-cache and no-prompt-sharing modes, the Python/PyTorch reference (scripts/reference/generate.py) and the
// machine's fp32 matmul speed, with the time split into prefill, decode, sampling and overhead
// (BENCHMARKS.md).
#include <torch/cuda.h>
#include <torch/torch.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "model/config.h"
#include "model/device.h"
#include "model/model_dir.h"
#include "model/transformer.h"
#include "rollout/engine.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Options {
  std::string device = "cpu";
  int threads = 2;
  int64_t new_tokens = 256;
  int64_t prompts = 8;
  int64_t prompt_length = 64;
  int64_t group = 8;
  int64_t baseline_new_tokens = 32;
  std::string python = "/usr/bin/python3";
  std::string reference_script;  // default: scripts/reference/generate.py next to this source tree
  std::string json_path;
  uint64_t seed = 0;
};

// The fixed model of the benchmark: 8 layers, d_model 512, 8 heads, 4 KV heads, FFN 1408, vocabulary 8000,
// fp32.
grpo::ModelConfig bench_config(int64_t context) {
  grpo::ModelConfig config;
  config.model_type = "llama";
  config.vocab_size = 8000;
  config.hidden_size = 512;
  config.intermediate_size = 1408;
  config.num_hidden_layers = 8;
  config.num_attention_heads = 8;
  config.num_key_value_heads = 4;
  config.max_position_embeddings = std::max<int64_t>(512, context);
  config.tie_word_embeddings = false;
  config.bos_token_id = 1;
  config.eos_token_id = 2;
  config.torch_dtype = "float32";
  return config;
}

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

std::string cpu_model_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

// ---------------------------------------------------------------- matmul speed

// One weight matrix of the model's forward pass: x [M, in] @ w [in, out], `count` times per token.
struct MatmulShape {
  std::string name;
  int64_t in, out, count;
};

std::vector<MatmulShape> model_matmuls(const grpo::ModelConfig& config) {
  const int64_t d = config.hidden_size, f = config.intermediate_size, layers = config.num_hidden_layers;
  const int64_t q = config.num_attention_heads * config.resolved_head_dim();
  const int64_t kv = config.num_key_value_heads * config.resolved_head_dim();
  return {{"q_proj", d, q, layers},    {"k_proj", d, kv, layers},           {"v_proj", d, kv, layers},
          {"o_proj", q, d, layers},    {"gate_proj", d, f, layers},         {"up_proj", d, f, layers},
          {"down_proj", f, d, layers}, {"lm_head", d, config.vocab_size, 1}};
}

// GFLOP/s of `body` (doing `flops` per call): best of several timed batches after a warm-up.
template <typename Body>
double best_gflops(double flops, const torch::Device& device, double min_seconds, Body body) {
  body();
  synchronize(device);
  double best = 0.0;
  for (int batch = 0; batch < 3; ++batch) {
    int64_t calls = 0;
    double start = now_seconds(), elapsed = 0.0;
    do {
      body();
      ++calls;
      synchronize(device);
      elapsed = now_seconds() - start;
    } while (elapsed < min_seconds / 3);
    best = std::max(best, flops * static_cast<double>(calls) / elapsed / 1e9);
  }
  return best;
}

struct MatmulSpeed {
  int64_t rows = 0;
  double model_mix_gflops = 0.0;  // every weight of the model once (distinct weights)
  std::vector<std::pair<std::string, double>> shape_gflops;  // one shape, one weight (cache-warm)
};

// The fp32 matmul speed at M rows: per shape, and for the model's whole mix of weights (distinct matrices per
// layer, as the forward pass streams them).
MatmulSpeed measure_matmul(const grpo::ModelConfig& config, int64_t rows, const torch::Device& device) {
  c10::InferenceMode inference_mode;
  auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  MatmulSpeed speed;
  speed.rows = rows;
  const auto shapes = model_matmuls(config);
  std::vector<torch::Tensor> inputs, weights;  // [M, in], [in, out] per matmul of one token's forward pass
  double mix_flops = 0.0;
  for (const auto& shape : shapes) {
    for (int64_t i = 0; i < shape.count; ++i) {
      inputs.push_back(torch::randn({rows, shape.in}, options));
      weights.push_back(torch::randn({shape.in, shape.out}, options) * 0.02);
      mix_flops += 2.0 * static_cast<double>(rows * shape.in * shape.out);
    }
  }
  speed.model_mix_gflops = best_gflops(mix_flops, device, 1.5, [&] {
    for (size_t i = 0; i < inputs.size(); ++i) torch::matmul(inputs[i], weights[i]);
  });
  for (const auto& [name, in, out] : std::vector<std::tuple<std::string, int64_t, int64_t>>{
           {"512x1408", config.hidden_size, config.intermediate_size},
           {"1408x512", config.intermediate_size, config.hidden_size},
           {"512x512", config.hidden_size, config.hidden_size},
           {"512x8000", config.hidden_size, config.vocab_size}}) {
    auto x = torch::randn({rows, in}, options), w = torch::randn({in, out}, options);
    double flops = 2.0 * static_cast<double>(rows * in * out);
    speed.shape_gflops.emplace_back(name, best_gflops(flops, device, 0.45, [&] { torch::matmul(x, w); }));
  }
  return speed;
}

// ---------------------------------------------------------------- FLOPs of generation

struct FlopModel {
  double matmul_per_token = 0.0;   // 2 x (non-embedding parameters + lm_head)
  double lm_head = 0.0;            // 2 x d_model x vocab (part of matmul_per_token)
  double attention_per_key = 0.0;  // 2 x 2 x layers x (heads x head_dim) per key position attended

  // A token computed at context length `context` (keys attended, itself included).
  double token(double context) const { return matmul_per_token + attention_per_key * context; }
};

FlopModel flop_model(grpo::TransformerImpl& model) {
  const auto& config = model.config();
  double parameters = 0.0;
  for (const auto& item : model.named_parameters()) {
    if (item.key() != "model.embed_tokens.weight") parameters += static_cast<double>(item.value().numel());
  }
  if (config.tie_word_embeddings) parameters += static_cast<double>(config.vocab_size * config.hidden_size);
  FlopModel flops;
  flops.matmul_per_token = 2.0 * parameters;
  flops.lm_head = 2.0 * static_cast<double>(config.vocab_size * config.hidden_size);
  flops.attention_per_key = 4.0 * static_cast<double>(config.num_hidden_layers * config.num_attention_heads *
                                                      config.resolved_head_dim());
  return flops;
}

// ---------------------------------------------------------------- engine runs

struct EngineRun {
  std::string name;
  int64_t new_tokens = 0;
  grpo::GenerationResult result;
  double tokens_per_second() const {
    return static_cast<double>(result.generated_tokens) / result.timings.total;
  }
};

EngineRun run_engine(grpo::RolloutEngine& engine, const std::vector<std::vector<int64_t>>& prompts,
                     const std::string& name, int64_t group, int64_t new_tokens, bool use_kv_cache,
                     bool share_prompt_cache, uint64_t seed) {
  grpo::GenerationOptions options;
  options.num_samples = group;
  options.max_new_tokens = new_tokens;
  options.stop_at_eos = false;  // every completion runs the full length
  options.use_kv_cache = use_kv_cache;
  options.share_prompt_cache = share_prompt_cache;
  options.seed = seed;
  EngineRun run;
  run.name = name;
  run.new_tokens = new_tokens;
  run.result = engine.generate(prompts, options);
  const int64_t expected = static_cast<int64_t>(prompts.size()) * group * new_tokens;
  if (run.result.generated_tokens != expected) {
    grpo::fail(
        "{}: generated {} tokens, expected {} (prompts x G x new tokens): the benchmark needs full-length "
        "completions",
        name, run.result.generated_tokens, expected);
  }
  std::cout << fmt::format("  {:<34} {:>9.1f} tokens/s  ({:.2f} s)\n", name, run.tokens_per_second(),
                           run.result.timings.total)
            << std::flush;
  return run;
}

json timings_json(const EngineRun& run) {
  const auto& t = run.result.timings;
  return {{"new_tokens", run.new_tokens},
          {"generated_tokens", run.result.generated_tokens},
          {"prompt_tokens_processed", run.result.prompt_tokens_processed},
          {"tokens_per_second", run.tokens_per_second()},
          {"seconds",
           {{"total", t.total},
            {"prefill", t.prefill},
            {"decode", t.decode},
            {"sampling", t.sampling},
            {"overhead", t.overhead()}}}};
}

// ---------------------------------------------------------------- the Python reference

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Runs generate.py on the saved model; returns its JSON, or {"error": why} when it cannot run.
json run_python_reference(const Options& options, const fs::path& model_dir) {
  if (options.python.empty()) return {{"error", "disabled (--python '')"}};
  if (!fs::exists(options.python)) return {{"error", fmt::format("no Python at {}", options.python)}};
  if (!fs::exists(options.reference_script)) {
    return {{"error", fmt::format("no reference script at {}", options.reference_script)}};
  }
  std::string command = fmt::format(
      "{} {} {} --prompts {} --prompt-length {} --group {} --new-tokens {} --threads {} --seed {}",
      shell_quote(options.python), shell_quote(options.reference_script), shell_quote(model_dir.string()),
      options.prompts, options.prompt_length, options.group, options.new_tokens, options.threads,
      options.seed);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {{"error", "popen failed"}};
  std::string output;
  std::array<char, 4096> buffer{};
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  int status = pclose(pipe);
  if (status != 0) return {{"error", fmt::format("{} exited with status {}", command, status)}};
  auto last_line_start = output.find_last_of('\n', output.size() >= 2 ? output.size() - 2 : 0);
  std::string last_line = output.substr(last_line_start == std::string::npos ? 0 : last_line_start + 1);
  try {
    json parsed = json::parse(last_line);
    if (!parsed.contains("tokens_per_second")) return {{"error", "no tokens_per_second in: " + last_line}};
    return parsed;
  } catch (const json::exception&) {
    return {{"error", "output is not JSON: " + last_line}};
  }
}

// A temporary directory removed when the benchmark ends.
struct TemporaryDirectory {
  fs::path path;
  TemporaryDirectory() {
    path = fs::temp_directory_path() / fmt::format("grpo_bench_rollout_{}", getpid());
    fs::create_directories(path);
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

// ---------------------------------------------------------------- report

std::string percent(double part, double whole) {
  return fmt::format("{:5.1f}%", 100.0 * part / whole);
}

void print_phases(const std::string& name, const EngineRun& run) {
  const auto& t = run.result.timings;
  std::cout << fmt::format(
      "  {:<30} total {:7.3f} s | prefill {:7.3f} s {} | decode {:7.3f} s {} | sampling {:7.3f} "
      "s {} | overhead {:6.3f} s {}\n",
      name, t.total, t.prefill, percent(t.prefill, t.total), t.decode, percent(t.decode, t.total), t.sampling,
      percent(t.sampling, t.total), t.overhead(), percent(t.overhead(), t.total));
}

int run_benchmark(const Options& options) {
  const torch::Device device = grpo::parse_device(options.device);
  const int threads = grpo::configure_threads(options.threads);
  const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
  const int64_t rows = options.prompts * options.group;
  const grpo::ModelConfig config = bench_config(options.prompt_length + options.new_tokens + 1);

  std::cout << fmt::format(
      "bench_rollout: {} on {} ({} intra-op threads of {} hardware threads, OMP_WAIT_POLICY={})\n"
      "model: {} layers, d_model {}, {} heads, {} KV heads, FFN {}, vocabulary {}, fp32, random weights\n"
      "job: {} prompts x {} tokens, G = {} ({} rows), {} new tokens, eos disabled; no-cache baseline on {} "
      "new "
      "tokens\n\n",
      options.device, cpu_model_name(), threads, std::thread::hardware_concurrency(),
      wait_policy != nullptr ? wait_policy : "unset", config.num_hidden_layers, config.hidden_size,
      config.num_attention_heads, config.num_key_value_heads, config.intermediate_size, config.vocab_size,
      options.prompts, options.prompt_length, options.group, rows, options.new_tokens,
      options.baseline_new_tokens);

  grpo::Transformer model(config);
  grpo::initialize_weights(*model, options.seed);
  model->to(device);
  model->eval();
  const FlopModel flops = flop_model(*model);

  std::mt19937_64 rng(options.seed + 1);
  std::uniform_int_distribution<int64_t> token(3, config.vocab_size - 1);
  std::vector<std::vector<int64_t>> prompts(options.prompts, std::vector<int64_t>(options.prompt_length));
  for (auto& prompt : prompts) {
    for (auto& id : prompt) id = token(rng);
  }

  // ---- Matmul speed before the generation runs (again after them: the machine is shared).
  std::cout << "matmul speed (fp32, torch::matmul):\n" << std::flush;
  std::vector<MatmulSpeed> matmul_before = {measure_matmul(config, rows, device),
                                            measure_matmul(config, 512, device)};
  for (const auto& speed : matmul_before) {
    std::cout << fmt::format("  M = {:<4} model mix {:6.1f} GFLOP/s |", speed.rows, speed.model_mix_gflops);
    for (const auto& [name, gflops] : speed.shape_gflops)
      std::cout << fmt::format(" {} {:6.1f}", name, gflops);
    std::cout << "\n" << std::flush;
  }

  // ---- Engine runs.
  std::cout << "\nrollout engine:\n" << std::flush;
  grpo::RolloutEngine engine(model, nullptr);
  run_engine(engine, prompts, "warm-up", options.group, 4, true, true, options.seed);
  EngineRun cached = run_engine(engine, prompts, "cached + prompt sharing", options.group, options.new_tokens,
                                true, true, options.seed);
  EngineRun unshared = run_engine(engine, prompts, "cached, no prompt sharing", options.group,
                                  options.new_tokens, true, false, options.seed);
  EngineRun cached_short = run_engine(engine, prompts, "cached + sharing (short run)", options.group,
                                      options.baseline_new_tokens, true, true, options.seed);
  EngineRun no_cache = run_engine(engine, prompts, "no cache, no sharing (short run)", options.group,
                                  options.baseline_new_tokens, false, false, options.seed);

  // ---- The Python reference on the same model.
  json python;
  if (!device.is_cpu()) {
    python = {{"error", "the Python reference runs on the CPU only"}};
  } else {
    TemporaryDirectory model_dir;
    grpo::save_model(*model, model_dir.path);
    python = run_python_reference(options, model_dir.path);
    if (python.contains("error")) {
      std::cout << "  Python reference unavailable: " << python["error"].get<std::string>() << "\n";
    } else {
      std::cout << fmt::format("  {:<34} {:>9.1f} tokens/s  ({:.2f} s)\n", "Python reference, KV cache",
                               python["tokens_per_second"].get<double>(), python["seconds"].get<double>());
    }
  }

  std::cout << "\nmatmul speed again:\n";
  std::vector<MatmulSpeed> matmul_after = {measure_matmul(config, rows, device),
                                           measure_matmul(config, 512, device)};
  for (const auto& speed : matmul_after) {
    std::cout << fmt::format("  M = {:<4} model mix {:6.1f} GFLOP/s\n", speed.rows, speed.model_mix_gflops);
  }
  const double matmul_decode = (matmul_before[0].model_mix_gflops + matmul_after[0].model_mix_gflops) / 2;
  const double matmul_large = (matmul_before[1].model_mix_gflops + matmul_after[1].model_mix_gflops) / 2;

  // ---- FLOPs: generated token i of a completion is computed at context L + i (prefill's last position for i
  // = 0).
  const double L = static_cast<double>(options.prompt_length), N = static_cast<double>(options.new_tokens);
  const double generation_flops = static_cast<double>(rows) * N * flops.token(L + (N - 1) / 2);
  const double decode_flops = static_cast<double>(rows) * (N - 1) * flops.token(L + N / 2);
  const double prefill_flops_per_prompt = L * flops.token((L + 1) / 2) - (L - 1) * flops.lm_head;
  const auto& t = cached.result.timings;
  const double generation_gflops = generation_flops / t.total / 1e9;
  const double decode_gflops = decode_flops / t.decode / 1e9;
  const double efficiency = generation_gflops / matmul_decode;
  const double ideal_decode_seconds = decode_flops / (matmul_decode * 1e9);

  const double vs_no_cache = cached_short.tokens_per_second() / no_cache.tokens_per_second();
  const double vs_unshared = cached.tokens_per_second() / unshared.tokens_per_second();
  const double prefill_cut = unshared.result.timings.prefill / cached.result.timings.prefill;
  const bool has_python = !python.contains("error");
  const double vs_python =
      has_python ? cached.tokens_per_second() / python["tokens_per_second"].get<double>() : 0;

  std::cout << "\nresults (ratios are against baselines measured in this run):\n";
  std::cout << fmt::format("  {:<44} {:>10} {:>9} {:>11} {:>15}\n", "run", "tokens/s", "seconds", "prefill s",
                           "prompt tokens");
  auto row = [&](const EngineRun& run) {
    std::cout << fmt::format("  {:<44} {:>10.1f} {:>9.2f} {:>11.3f} {:>15}\n",
                             fmt::format("{} [{} new]", run.name, run.new_tokens), run.tokens_per_second(),
                             run.result.timings.total, run.result.timings.prefill,
                             run.result.prompt_tokens_processed);
  };
  row(cached);
  row(unshared);
  row(cached_short);
  row(no_cache);
  if (has_python) {
    std::cout << fmt::format("  {:<44} {:>10.1f} {:>9.2f} {:>11.3f} {:>15}\n",
                             fmt::format("Python reference, KV cache [{} new]", options.new_tokens),
                             python["tokens_per_second"].get<double>(), python["seconds"].get<double>(),
                             python.value("prefill_seconds", 0.0), rows * options.prompt_length);
  }

  std::cout << "\nwhere the time goes:\n";
  print_phases("cached + prompt sharing", cached);
  print_phases("cached, no prompt sharing", unshared);
  print_phases("no cache (short run)", no_cache);
  std::cout << fmt::format(
      "  decode: {:.1f} ms per step for {} rows; at the M = {} matmul speed the decode FLOPs would take "
      "{:.3f} s, "
      "so {:.3f} s ({}) of decode is attention, small ops and per-step overhead\n",
      1e3 * t.decode / (N - 1), rows, rows, ideal_decode_seconds, t.decode - ideal_decode_seconds,
      percent(t.decode - ideal_decode_seconds, t.decode));
  std::cout << fmt::format(
      "  prefill: {:.1f} GFLOP/s with sharing ({} prompt tokens), {:.1f} GFLOP/s without\n",
      static_cast<double>(options.prompts) * prefill_flops_per_prompt / t.prefill / 1e9,
      cached.result.prompt_tokens_processed,
      static_cast<double>(rows) * prefill_flops_per_prompt / unshared.result.timings.prefill / 1e9);

  std::cout << fmt::format(
      "\nFLOPs per generated token: {:.1f} MFLOP (matmul {:.1f} + attention {:.2f} at mean context {:.0f})\n",
      flops.token(L + (N - 1) / 2) / 1e6, flops.matmul_per_token / 1e6,
      flops.attention_per_key * (L + (N - 1) / 2) / 1e6, L + (N - 1) / 2);
  std::cout << fmt::format(
      "generation: {:.1f} GFLOP/s end to end = {:.1f}% of the M = {} matmul speed ({:.1f} GFLOP/s, mean of "
      "before "
      "and after; M = 512: {:.1f}); decode forward alone {:.1f} GFLOP/s = {:.1f}%\n",
      generation_gflops, 100 * efficiency, rows, matmul_decode, matmul_large, decode_gflops,
      100 * decode_gflops / matmul_decode);

  std::cout << "\nratios and targets:\n";
  std::cout << fmt::format("  cached vs no-cache baseline (both on {} new tokens): {:.1f}x\n",
                           options.baseline_new_tokens, vs_no_cache);
  std::cout << fmt::format(
      "  prompt sharing: prefill {:.2f}x faster ({:.3f} s -> {:.3f} s, prompt tokens {} -> "
      "{}); whole run {:.2f}x  [target: measurably cuts prefill: {}]\n",
      prefill_cut, unshared.result.timings.prefill, cached.result.timings.prefill,
      unshared.result.prompt_tokens_processed, cached.result.prompt_tokens_processed, vs_unshared,
      prefill_cut > 1.2 ? "met" : "MISSED");
  if (has_python) {
    std::cout << fmt::format("  vs Python reference: {:.2f}x  [target >= 4x: {}]\n", vs_python,
                             vs_python >= 4 ? "met" : "MISSED");
  } else {
    std::cout << "  vs Python reference: unavailable (" << python["error"].get<std::string>() << ")\n";
  }
  std::cout << fmt::format("  fraction of matmul speed: {:.1f}%  [target >= 40%: {}]\n", 100 * efficiency,
                           efficiency >= 0.4 ? "met" : "MISSED");

  if (!options.json_path.empty()) {
    auto matmul_json = [](const std::vector<MatmulSpeed>& speeds) {
      json out = json::array();
      for (const auto& speed : speeds) {
        json shapes = json::object();
        for (const auto& [name, gflops] : speed.shape_gflops) shapes[name] = gflops;
        out.push_back(
            {{"rows", speed.rows}, {"model_mix_gflops", speed.model_mix_gflops}, {"shapes", shapes}});
      }
      return out;
    };
    json report = {
        {"machine",
         {{"cpu", cpu_model_name()},
          {"threads", threads},
          {"device", options.device},
          {"omp_wait_policy", wait_policy != nullptr ? wait_policy : "unset"}}},
        {"model", config.to_json()},
        {"job",
         {{"prompts", options.prompts},
          {"prompt_length", options.prompt_length},
          {"group", options.group},
          {"new_tokens", options.new_tokens},
          {"baseline_new_tokens", options.baseline_new_tokens}}},
        {"matmul",
         {{"before", matmul_json(matmul_before)},
          {"after", matmul_json(matmul_after)},
          {"decode_rows_gflops", matmul_decode},
          {"rows_512_gflops", matmul_large}}},
        {"runs",
         {{"cached", timings_json(cached)},
          {"cached_unshared", timings_json(unshared)},
          {"cached_short", timings_json(cached_short)},
          {"no_cache_short", timings_json(no_cache)},
          {"python_reference", python}}},
        {"flops",
         {{"per_generated_token", flops.token(L + (N - 1) / 2)},
          {"matmul_per_token", flops.matmul_per_token},
          {"generation_gflops", generation_gflops},
          {"decode_gflops", decode_gflops}}},
        {"ratios",
         {{"cached_vs_no_cache_short", vs_no_cache},
          {"sharing_prefill_speedup", prefill_cut},
          {"sharing_total_speedup", vs_unshared},
          {"vs_python_reference", has_python ? json(vs_python) : json(nullptr)},
          {"fraction_of_matmul_speed", efficiency}}},
        {"targets",
         {{"vs_python_at_least_4x", has_python ? json(vs_python >= 4) : json(nullptr)},
          {"matmul_fraction_at_least_40pct", efficiency >= 0.4},
          {"sharing_cuts_prefill", prefill_cut > 1.2}}},
    };
    std::ofstream out(options.json_path);
    if (!out)
      grpo::fail("--json {}: cannot open the file for writing; check the directory exists",
                 options.json_path);
    out << report.dump(2) << "\n";
    std::cout << "\nwrote " << options.json_path << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  options.reference_script =
      (fs::path(__FILE__).parent_path().parent_path() / "scripts/reference/generate.py").string();
  CLI::App app{
      "bench_rollout: rollout tokens/s against the no-cache engine, the Python reference and the matmul "
      "speed (see BENCHMARKS.md)"};
  app.add_option("--device", options.device, "cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--threads", options.threads, "intra-op threads")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--new-tokens", options.new_tokens, "N: new tokens per completion")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--prompts", options.prompts, "B: distinct prompts")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--prompt-length", options.prompt_length, "L: tokens per prompt")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--group", options.group, "G: samples per prompt")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--baseline-new-tokens", options.baseline_new_tokens,
                 "new tokens for the no-cache baseline (quadratic) and the cached run it is compared with")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--python", options.python, "Python with torch for the reference ('' = skip it)")
      ->capture_default_str();
  app.add_option("--reference-script", options.reference_script, "scripts/reference/generate.py")
      ->capture_default_str();
  app.add_option("--json", options.json_path, "also write the figures here as JSON");
  app.add_option("--seed", options.seed, "weights, prompts and sampling")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return run_benchmark(options);
  } catch (const std::exception& error) {
    std::cerr << "bench_rollout: error: " << error.what() << "\n";
    return 1;
  }
}
