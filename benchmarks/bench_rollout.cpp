// bench_rollout: tokens/s of the rollout engine on a fixed random model, measured in one run against its own
// no-cache and no-prompt-sharing modes, the Python/PyTorch reference (scripts/reference/generate.py) and the
// machine's fp32 matmul speed, with the time split into prefill, decode, sampling and overhead
// (BENCHMARKS.md).
#include <torch/torch.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/bench_support.h"
#include "benchmarks/bench_timing.h"
#include "benchmarks/decode_step_profile.h"
#include "benchmarks/matmul_speed.h"
#include "core/error.h"
#include "core/malloc_tuning.h"
#include "core/openmp_wait_policy.h"
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

// Runs generate.py on the saved model; returns its JSON, or {"error": why} when it cannot run.
json run_python_reference(const Options& options, const fs::path& model_dir) {
  if (options.python.empty()) return {{"error", "disabled (--python '')"}};
  if (!fs::exists(options.python)) return {{"error", fmt::format("no Python at {}", options.python)}};
  if (!fs::exists(options.reference_script)) {
    return {{"error", fmt::format("no reference script at {}", options.reference_script)}};
  }
  std::string command = fmt::format(
      "{} {} {} --prompts {} --prompt-length {} --group {} --new-tokens {} --threads {} --seed {}",
      grpo::bench::shell_quote(options.python), grpo::bench::shell_quote(options.reference_script),
      grpo::bench::shell_quote(model_dir.string()), options.prompts, options.prompt_length, options.group,
      options.new_tokens, options.threads, options.seed);
  return grpo::bench::run_json_command(command, {"tokens_per_second"});
}

// ---------------------------------------------------------------- the measurements

// A main run of the cached engine, with the matmul speed at its decode batch measured right before and after
// it.
struct CachedRun {
  EngineRun run;
  double matmul_before = 0.0, matmul_after = 0.0;  // GFLOP/s of the model's matmul mix at M = rows
  double matmul() const { return (matmul_before + matmul_after) / 2; }
};

struct Measurements {
  std::vector<int64_t> matmul_rows;                                 // the decode batch, and 512
  std::vector<double> mix_start, mix_end;                           // GFLOP/s per matmul_rows entry
  std::vector<std::vector<std::pair<std::string, double>>> shapes;  // GFLOP/s per shape
  grpo::bench::DecodeStepProfile step;                              // at the mean decode context
  std::vector<CachedRun> cached;                                    // before and after the Python run
  EngineRun unshared, cached_short, no_cache;
  json python;  // generate.py's JSON or {"error"}
};

CachedRun run_cached(grpo::RolloutEngine& engine, const std::vector<std::vector<int64_t>>& prompts,
                     const grpo::ModelConfig& config, const Options& options, const torch::Device& device,
                     int repetition) {
  const int64_t rows = options.prompts * options.group;
  CachedRun cached;
  cached.matmul_before = grpo::bench::matmul_mix_gflops(config, rows, device);
  cached.run = run_engine(engine, prompts, fmt::format("cached + prompt sharing #{}", repetition),
                          options.group, options.new_tokens, true, true, options.seed);
  cached.matmul_after = grpo::bench::matmul_mix_gflops(config, rows, device);
  std::cout << fmt::format("  {:<34} matmul at M = {}: {:.1f} GFLOP/s before, {:.1f} after\n", "", rows,
                           cached.matmul_before, cached.matmul_after);
  return cached;
}

json run_python(grpo::TransformerImpl& model, const Options& options, const torch::Device& device) {
  if (!device.is_cpu()) return {{"error", "the Python reference runs on the CPU only"}};
  grpo::bench::TemporaryDirectory model_dir("bench_rollout");
  grpo::save_model(model, model_dir.path);
  json python = run_python_reference(options, model_dir.path);
  if (python.contains("error")) {
    std::cout << "  Python reference unavailable: " << python["error"].get<std::string>() << "\n";
  } else {
    std::cout << fmt::format("  {:<34} {:>9.1f} tokens/s  ({:.2f} s)\n", "Python reference, KV cache",
                             python["tokens_per_second"].get<double>(), python["seconds"].get<double>());
  }
  return python;
}

// Every run, ordered so that each ratio compares runs made close together: the Python reference sits between
// the two cached runs, and each cached run between two matmul measurements.
Measurements measure(grpo::Transformer& model, const std::vector<std::vector<int64_t>>& prompts,
                     const Options& options, const torch::Device& device) {
  const auto& config = model->config();
  const int64_t rows = options.prompts * options.group;
  Measurements m;
  m.matmul_rows = {rows, 512};
  std::cout << "matmul speed (fp32, torch::matmul, GFLOP/s):\n" << std::flush;
  for (int64_t matmul_rows : m.matmul_rows) {
    m.mix_start.push_back(grpo::bench::matmul_mix_gflops(config, matmul_rows, device));
    m.shapes.push_back(grpo::bench::matmul_shape_gflops(config, matmul_rows, device));
    std::cout << fmt::format("  M = {:<4} model mix {:6.1f} |", matmul_rows, m.mix_start.back());
    for (const auto& [name, gflops] : m.shapes.back()) std::cout << fmt::format(" {} {:6.1f}", name, gflops);
    std::cout << "\n" << std::flush;
  }

  std::cout << "\nrollout engine:\n" << std::flush;
  grpo::RolloutEngine engine(model, nullptr);
  run_engine(engine, prompts, "warm-up", options.group, 4, true, true, options.seed);
  m.step = grpo::bench::profile_decode_step(*model, rows, options.prompt_length + options.new_tokens / 2);
  m.cached.push_back(run_cached(engine, prompts, config, options, device, 1));
  m.python = run_python(*model, options, device);
  m.cached.push_back(run_cached(engine, prompts, config, options, device, 2));
  m.unshared = run_engine(engine, prompts, "cached, no prompt sharing", options.group, options.new_tokens,
                          true, false, options.seed);
  m.cached_short = run_engine(engine, prompts, "cached + sharing (short run)", options.group,
                              options.baseline_new_tokens, true, true, options.seed);
  m.no_cache = run_engine(engine, prompts, "no cache, no sharing (short run)", options.group,
                          options.baseline_new_tokens, false, false, options.seed);

  std::cout << "\nmatmul speed again (GFLOP/s):\n";
  for (int64_t matmul_rows : m.matmul_rows) {
    m.mix_end.push_back(grpo::bench::matmul_mix_gflops(config, matmul_rows, device));
    std::cout << fmt::format("  M = {:<4} model mix {:6.1f}\n", matmul_rows, m.mix_end.back());
  }
  return m;
}

// ---------------------------------------------------------------- report

std::string percent(double part, double whole) {
  return fmt::format("{:5.1f}%", 100.0 * part / whole);
}

void print_phases(const EngineRun& run) {
  const auto& t = run.result.timings;
  std::cout << fmt::format(
      "  {:<34} total {:7.2f} s | prefill {:6.2f} s {} | decode {:7.2f} s {} | sampling {:5.2f} s {} | "
      "overhead {:5.2f} s {}\n",
      run.name, t.total, t.prefill, percent(t.prefill, t.total), t.decode, percent(t.decode, t.total),
      t.sampling, percent(t.sampling, t.total), t.overhead(), percent(t.overhead(), t.total));
}

double mean_of(const std::vector<CachedRun>& runs, double (*value)(const CachedRun&)) {
  double sum = 0.0;
  for (const auto& run : runs) sum += value(run);
  return sum / static_cast<double>(runs.size());
}

int report(const Measurements& m, const Options& options, const grpo::ModelConfig& config,
           const FlopModel& flops, const std::string& wait_policy, int threads) {
  const int64_t rows = options.prompts * options.group;
  const double L = static_cast<double>(options.prompt_length), N = static_cast<double>(options.new_tokens);
  // Generated token i of a completion is computed at context L + i (the prefill's last position for i = 0);
  // decode steps compute tokens 1 .. N-1.
  const double generation_flops = static_cast<double>(rows) * N * flops.token(L + (N - 1) / 2);
  const double decode_flops = static_cast<double>(rows) * (N - 1) * flops.token(L + N / 2);
  const double prefill_flops_per_prompt = L * flops.token((L + 1) / 2) - (L - 1) * flops.lm_head;

  auto efficiency = [&](const CachedRun& c) {
    return generation_flops / c.run.result.timings.total / 1e9 / c.matmul();
  };
  const double cached_tps = mean_of(m.cached, [](const CachedRun& c) { return c.run.tokens_per_second(); });
  const double cached_prefill =
      mean_of(m.cached, [](const CachedRun& c) { return c.run.result.timings.prefill; });
  double mean_efficiency = 0.0;
  for (const auto& c : m.cached) mean_efficiency += efficiency(c) / static_cast<double>(m.cached.size());
  const double vs_no_cache = m.cached_short.tokens_per_second() / m.no_cache.tokens_per_second();
  const double vs_unshared = cached_tps / m.unshared.tokens_per_second();
  const double prefill_cut = m.unshared.result.timings.prefill / cached_prefill;
  const bool has_python = !m.python.contains("error");
  const double python_tps = has_python ? m.python["tokens_per_second"].get<double>() : 0.0;
  const double vs_python = has_python ? cached_tps / python_tps : 0.0;

  std::cout << "\nresults (ratios are against baselines measured in this run):\n";
  std::cout << fmt::format("  {:<48} {:>10} {:>9} {:>10} {:>14}\n", "run", "tokens/s", "seconds", "prefill s",
                           "prompt tokens");
  auto row = [&](const std::string& name, int64_t new_tokens, double tps, double seconds, double prefill,
                 int64_t prompt_tokens) {
    std::cout << fmt::format("  {:<48} {:>10.1f} {:>9.2f} {:>10.3f} {:>14}\n",
                             fmt::format("{} [{} new]", name, new_tokens), tps, seconds, prefill,
                             prompt_tokens);
  };
  auto engine_row = [&](const EngineRun& run) {
    row(run.name, run.new_tokens, run.tokens_per_second(), run.result.timings.total,
        run.result.timings.prefill, run.result.prompt_tokens_processed);
  };
  for (const auto& c : m.cached) engine_row(c.run);
  engine_row(m.unshared);
  engine_row(m.cached_short);
  engine_row(m.no_cache);
  if (has_python) {
    row("Python reference, KV cache", options.new_tokens, python_tps, m.python["seconds"].get<double>(),
        m.python.value("prefill_seconds", 0.0), rows * options.prompt_length);
  }

  std::cout << "\nwhere the time goes:\n";
  for (const auto& c : m.cached) print_phases(c.run);
  print_phases(m.unshared);
  print_phases(m.no_cache);
  if (has_python) {
    std::cout << fmt::format(
        "  {:<34} total {:7.2f} s | prefill {:6.2f} s | decode {:7.2f} s | sampling {:5.2f} s\n",
        "Python reference", m.python["seconds"].get<double>(), m.python.value("prefill_seconds", 0.0),
        m.python.value("decode_seconds", 0.0), m.python.value("sampling_seconds", 0.0));
  }
  const auto& step = m.step;
  std::cout << fmt::format(
      "  one decode step alone ({} rows, context {}): forward {:.1f} ms = projections {:.1f} + attention "
      "core {:.1f} "
      "+ MLP {:.1f} + norms {:.1f} + lm_head {:.1f} + other {:.1f}; sampling {:.1f} ms\n",
      step.rows, step.context, 1e3 * step.forward, 1e3 * step.projections, 1e3 * step.attention_core,
      1e3 * step.mlp, 1e3 * step.norms, 1e3 * step.lm_head, 1e3 * step.other(), 1e3 * step.sampling);
  for (const auto& c : m.cached) {
    const auto& t = c.run.result.timings;
    const double ideal = decode_flops / (c.matmul() * 1e9);
    std::cout << fmt::format(
        "  {}: decode {:.1f} ms per step; its FLOPs at the M = {} matmul speed ({:.1f} GFLOP/s) take {:.1f} "
        "ms, "
        "so {} of decode is attention, small ops and per-step overhead\n",
        c.run.name, 1e3 * t.decode / (N - 1), rows, c.matmul(), 1e3 * ideal / (N - 1),
        percent(t.decode - ideal, t.decode));
  }
  std::cout << fmt::format(
      "  prefill: {:.1f} GFLOP/s with sharing ({} prompt tokens), {:.1f} GFLOP/s without\n",
      static_cast<double>(options.prompts) * prefill_flops_per_prompt / cached_prefill / 1e9,
      m.cached.front().run.result.prompt_tokens_processed,
      static_cast<double>(rows) * prefill_flops_per_prompt / m.unshared.result.timings.prefill / 1e9);

  std::cout << fmt::format(
      "\nFLOPs per generated token: {:.1f} MFLOP (matmul {:.1f} + attention {:.2f} at mean context {:.0f})\n",
      flops.token(L + (N - 1) / 2) / 1e6, flops.matmul_per_token / 1e6,
      flops.attention_per_key * (L + (N - 1) / 2) / 1e6, L + (N - 1) / 2);
  for (const auto& c : m.cached) {
    const auto& t = c.run.result.timings;
    std::cout << fmt::format(
        "  {}: {:.1f} GFLOP/s end to end = {:.1f}% of the M = {} matmul speed; decode forward alone "
        "{:.1f}%\n",
        c.run.name, generation_flops / t.total / 1e9, 100 * efficiency(c), rows,
        100 * decode_flops / t.decode / 1e9 / c.matmul());
  }

  std::cout << "\nratios and targets (cached = mean of the two cached runs):\n";
  std::cout << fmt::format("  cached vs no-cache engine (both on {} new tokens): {:.1f}x\n",
                           options.baseline_new_tokens, vs_no_cache);
  std::cout << fmt::format(
      "  prompt sharing at G = {}: prefill {:.2f}x faster ({:.3f} s -> {:.3f} s, prompt tokens {} -> {}); "
      "whole "
      "run {:.2f}x  [target: measurably cuts prefill: {}]\n",
      options.group, prefill_cut, m.unshared.result.timings.prefill, cached_prefill,
      m.unshared.result.prompt_tokens_processed, m.cached.front().run.result.prompt_tokens_processed,
      vs_unshared, prefill_cut > 1.2 ? "met" : "MISSED");
  if (has_python) {
    std::cout << fmt::format("  vs Python reference: {:.2f}x  [target >= 4x: {}]\n", vs_python,
                             vs_python >= 4 ? "met" : "MISSED");
  } else {
    std::cout << "  vs Python reference: unavailable (" << m.python["error"].get<std::string>() << ")\n";
  }
  std::cout << fmt::format("  fraction of the matmul speed: {:.1f}%  [target >= 40%: {}]\n",
                           100 * mean_efficiency, mean_efficiency >= 0.4 ? "met" : "MISSED");

  if (options.json_path.empty()) return 0;
  json matmul = json::array();
  for (size_t i = 0; i < m.matmul_rows.size(); ++i) {
    json shapes = json::object();
    for (const auto& [name, gflops] : m.shapes[i]) shapes[name] = gflops;
    matmul.push_back({{"rows", m.matmul_rows[i]},
                      {"model_mix_gflops_start", m.mix_start[i]},
                      {"model_mix_gflops_end", m.mix_end[i]},
                      {"shapes_gflops", shapes}});
  }
  json cached = json::array();
  for (const auto& c : m.cached) {
    json entry = timings_json(c.run);
    entry["matmul_gflops_before"] = c.matmul_before;
    entry["matmul_gflops_after"] = c.matmul_after;
    entry["generation_gflops"] = generation_flops / c.run.result.timings.total / 1e9;
    entry["fraction_of_matmul_speed"] = efficiency(c);
    cached.push_back(entry);
  }
  json report = {
      {"machine",
       {{"cpu", grpo::bench::cpu_model_name()},
        {"threads", threads},
        {"device", options.device},
        {"omp_wait_policy", wait_policy},
        {"blas", grpo::loaded_blas_library()}}},
      {"model", config.to_json()},
      {"job",
       {{"prompts", options.prompts},
        {"prompt_length", options.prompt_length},
        {"group", options.group},
        {"new_tokens", options.new_tokens},
        {"baseline_new_tokens", options.baseline_new_tokens}}},
      {"matmul", matmul},
      {"decode_step_seconds",
       {{"rows", step.rows},
        {"context", step.context},
        {"forward", step.forward},
        {"projections", step.projections},
        {"attention_core", step.attention_core},
        {"mlp", step.mlp},
        {"norms", step.norms},
        {"lm_head", step.lm_head},
        {"other", step.other()},
        {"sampling", step.sampling}}},
      {"runs",
       {{"cached", cached},
        {"cached_unshared", timings_json(m.unshared)},
        {"cached_short", timings_json(m.cached_short)},
        {"no_cache_short", timings_json(m.no_cache)},
        {"python_reference", m.python}}},
      {"flops",
       {{"per_generated_token", flops.token(L + (N - 1) / 2)}, {"matmul_per_token", flops.matmul_per_token}}},
      {"ratios",
       {{"cached_vs_no_cache_short", vs_no_cache},
        {"sharing_prefill_speedup", prefill_cut},
        {"sharing_total_speedup", vs_unshared},
        {"vs_python_reference", has_python ? json(vs_python) : json(nullptr)},
        {"fraction_of_matmul_speed", mean_efficiency}}},
      {"targets",
       {{"vs_python_at_least_4x", has_python ? json(vs_python >= 4) : json(nullptr)},
        {"matmul_fraction_at_least_40pct", mean_efficiency >= 0.4},
        {"sharing_cuts_prefill", prefill_cut > 1.2}}},
  };
  std::ofstream out(options.json_path);
  if (!out)
    grpo::fail("--json {}: cannot open the file for writing; check that its directory exists",
               options.json_path);
  out << report.dump(2) << "\n";
  std::cout << "\nwrote " << options.json_path << "\n";
  return 0;
}

int run_benchmark(const Options& options) {
  grpo::bench::check_json_directory(options.json_path);  // fail before minutes of measuring, not after
  const torch::Device device = grpo::parse_device(options.device);
  const int threads = grpo::configure_threads(options.threads);
  const char* wait_policy_env = std::getenv("OMP_WAIT_POLICY");
  const std::string wait_policy = wait_policy_env != nullptr ? wait_policy_env : "unset";
  const int64_t rows = options.prompts * options.group;
  const grpo::ModelConfig config =
      grpo::bench::benchmark_model_config(options.prompt_length + options.new_tokens + 1);
  const std::string blas = grpo::loaded_blas_library();
  std::cout << fmt::format(
      "bench_rollout: {} on {} ({} intra-op threads, {} hardware threads, OMP_WAIT_POLICY={})\n"
      "BLAS: {}\n"
      "model: {} layers, d_model {}, {} heads, {} KV heads, FFN {}, vocabulary {}, fp32, random weights\n"
      "job: {} prompts x {} tokens, G = {} ({} rows), {} new tokens, eos disabled; the no-cache baseline "
      "(quadratic) runs {} new tokens and is compared with the cached engine on the same shorter run\n",
      options.device, grpo::bench::cpu_model_name(), threads, std::thread::hardware_concurrency(),
      wait_policy, blas, config.num_hidden_layers, config.hidden_size, config.num_attention_heads,
      config.num_key_value_heads, config.intermediate_size, config.vocab_size, options.prompts,
      options.prompt_length, options.group, rows, options.new_tokens, options.baseline_new_tokens);
  const std::string blas_warning = grpo::blas_thread_warning(device, threads);
  if (!blas_warning.empty()) std::cout << "warning: " << blas_warning << "\n";
  std::cout << "\n";

  grpo::Transformer model(config);
  grpo::initialize_weights(*model, options.seed);
  model->to(device);
  model->eval();
  const auto prompts = grpo::bench::random_prompts(options.prompts, options.prompt_length, config.vocab_size,
                                                   options.seed + 1);

  Measurements measurements = measure(model, prompts, options, device);
  return report(measurements, options, config, flop_model(*model), wait_policy, threads);
}
}  // namespace

int main(int argc, char** argv) {
  grpo::use_passive_openmp_wait_policy(argv);  // as grpo does: see core/openmp_wait_policy.h
  grpo::keep_freed_memory_in_process();        // and core/malloc_tuning.h
  Options options;
#ifdef GRPO_SOURCE_DIR
  const fs::path source_dir = GRPO_SOURCE_DIR;
#else
  const fs::path source_dir = fs::path(__FILE__).parent_path().parent_path();
#endif
  options.reference_script = (source_dir / "scripts/reference/generate.py").string();
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
