// bench_train: one whole GRPO step on the benchmark model of bench_rollout (8 layers, d_model 512, 8 heads, 4
// KV heads, FFN 1408, vocabulary 8000 unless --vocab-size, fp32, random weights): the rollout of a batch with
// the engine (generated tokens/s), one policy update on its completions (forward + backward, clipping, AdamW;
// trained tokens/s), the step's time split, the update's model FLOPs utilisation against the fp32 matmul
// speed measured in the same run (before and after the updates), the peak resident set of each phase, and the
// same figures for the Python/PyTorch reference (scripts/reference/generate.py and train_step.py) as ratios
// measured in the same run. Figures go to BENCHMARKS.md.
#include <torch/torch.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "benchmarks/bench_support.h"
#include "benchmarks/bench_timing.h"
#include "benchmarks/matmul_speed.h"
#include "core/error.h"
#include "core/malloc_tuning.h"
#include "core/openmp_wait_policy.h"
#include "model/config.h"
#include "model/device.h"
#include "model/lora.h"
#include "model/mixed_precision.h"
#include "model/model_dir.h"
#include "model/transformer.h"
#include "rollout/engine.h"
#include "trainer/grpo_loss.h"
#include "trainer/optimizer.h"
#include "trainer/training_batch.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Options {
  std::string device = "cpu";
  int threads = 2;
  int64_t prompts = 8;
  int64_t group = 8;
  int64_t prompt_length = 64;
  int64_t new_tokens = 128;
  int64_t micro_batch_tokens = 8192;   // <= 0: one micro-batch
  int64_t logits_chunk_tokens = 1024;  // token_logprobs' rows of [rows, V] logits at once (<= 0: all)
  bool plain_logits =
      false;  // plain autograd instead: every [rows, V] log_softmax kept for the backward pass
  int64_t vocab_size = 8000;            // the benchmark model's vocabulary
  bool gradient_checkpointing = false;  // recompute each layer in the backward pass
  bool bf16 = false;                    // bf16 mixed precision: rollout and update forwards (--bf16)
  int64_t lora_r = 0;                   // > 0: train LoRA adapters of this rank (alpha 2r) only
  std::vector<std::string> lora_target_modules = {"q_proj", "v_proj"};
  int64_t repeats = 2;
  std::string python = "/usr/bin/python3";
  std::string json_path;
  fs::path reference_dir;  // scripts/reference
};

// ---------------------------------------------------------------- peak memory per phase

struct PhaseMemory {
  int64_t start_kib = -1;  // resident set when the phase began
  int64_t peak_kib = -1;   // peak resident set of the phase (of the whole process so far when not resettable)
};

// The peak resident set of this process phase by phase: each phase starts by handing freed heap pages back to
// the system (so it does not start from the previous phase's leftovers) and resetting the kernel's peak.
class ResidentPeaks {
 public:
  void begin_phase() {
    fold_into_process_peak();
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    per_phase_ = grpo::bench::reset_resident_peak() && per_phase_;
    current_.start_kib = grpo::bench::resident_set().current_kib;
  }

  PhaseMemory end_phase() {
    current_.peak_kib = grpo::bench::resident_set().peak_kib;
    fold_into_process_peak();
    return current_;
  }

  // The peak over the whole run so far (the matmul probes and the set-up included).
  int64_t process_peak_kib() {
    fold_into_process_peak();
    return process_peak_kib_;
  }

  // False where the peak could not be reset: each phase's peak is then the process's peak up to its end.
  bool per_phase() const {
    return per_phase_;
  }

 private:
  void fold_into_process_peak() {
    process_peak_kib_ = std::max(process_peak_kib_, grpo::bench::resident_set().peak_kib);
  }

  int64_t process_peak_kib_ = -1;
  bool per_phase_ = true;
  PhaseMemory current_;
};

// ---------------------------------------------------------------- the C++ rollout and update

struct RolloutRun {
  double seconds = 0.0;  // wall time of generate()
  int64_t generated_tokens = 0;
  std::vector<grpo::Completion> completions;
  double tokens_per_second() const { return static_cast<double>(generated_tokens) / seconds; }
};

grpo::GenerationOptions rollout_options(const Options& options, int64_t new_tokens) {
  grpo::GenerationOptions generation;
  generation.num_samples = options.group;
  generation.max_new_tokens = new_tokens;
  generation.stop_at_eos = false;  // every completion runs the full length
  return generation;
}

// A short warm-up rollout, then the timed rollout of the whole batch.
RolloutRun run_rollout(grpo::Transformer& model, const std::vector<std::vector<int64_t>>& prompts,
                       const Options& options, const torch::Device& device) {
  model->eval();
  grpo::RolloutEngine engine(model, nullptr);
  const grpo::MixedPrecisionScope precision(device, options.bf16 ? torch::kBFloat16 : torch::kFloat32,
                                            /*cache_weights=*/true);
  engine.generate(prompts, rollout_options(options, std::min<int64_t>(4, options.new_tokens)));
  grpo::bench::synchronize(device);
  const double start = grpo::bench::now_seconds();
  grpo::GenerationResult result = engine.generate(prompts, rollout_options(options, options.new_tokens));
  grpo::bench::synchronize(device);
  RolloutRun run;
  run.seconds = grpo::bench::now_seconds() - start;
  run.generated_tokens = result.generated_tokens;
  run.completions = std::move(result.completions);
  const int64_t expected = options.prompts * options.group * options.new_tokens;
  if (run.generated_tokens != expected) {
    grpo::fail(
        "rollout generated {} tokens, expected {} (prompts x group x new tokens): the benchmark needs "
        "full-length completions",
        run.generated_tokens, expected);
  }
  return run;
}

// The completions as training sequences with random advantages.
std::vector<grpo::TrainingSequence> training_sequences(const std::vector<std::vector<int64_t>>& prompts,
                                                       const std::vector<grpo::Completion>& completions) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  std::vector<grpo::TrainingSequence> sequences;
  for (const auto& completion : completions) {
    grpo::TrainingSequence sequence;
    sequence.prompt_ids = prompts[completion.prompt_index];
    sequence.completion_ids = completion.token_ids;
    sequence.advantage = normal(rng);
    sequences.push_back(std::move(sequence));
  }
  return sequences;
}

std::vector<std::vector<size_t>> micro_batches_of(const std::vector<grpo::TrainingSequence>& sequences,
                                                  int64_t token_budget) {
  std::vector<size_t> rows(sequences.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  return grpo::split_by_token_budget(sequences, rows, token_budget);
}

// Padded input tokens (rows x longest input) of the largest micro-batch: the M of the update's matmuls.
int64_t largest_micro_batch_tokens(const std::vector<grpo::TrainingSequence>& sequences,
                                   const std::vector<std::vector<size_t>>& micro_batches) {
  int64_t largest = 0;
  for (const auto& micro : micro_batches) {
    int64_t longest_input = 0;
    for (size_t row : micro) {
      const auto& s = sequences[row];
      longest_input = std::max<int64_t>(longest_input, s.prompt_ids.size() + s.completion_ids.size() - 1);
    }
    largest = std::max<int64_t>(largest, static_cast<int64_t>(micro.size()) * longest_input);
  }
  return largest;
}

struct UpdateRun {
  double seconds = 0.0;           // the fastest timed update
  int64_t trained_tokens = 0;     // input tokens run forward and backward per update
  int64_t completion_tokens = 0;  // of which predict a completion token (the lm_head runs on these)
  size_t micro_batches = 0;
  double tokens_per_second() const { return static_cast<double>(trained_tokens) / seconds; }
};

// The baseline of --plain-logits: log-probs of the completion tokens through plain autograd, which keeps the
// whole [N, V] log_softmax (and the logits) of the micro-batch for the backward pass, as token_logprobs did
// before its own backward (its chunks then bounded only the forward). -> [b, L]
torch::Tensor plain_token_logprobs(grpo::TransformerImpl& model, const torch::Tensor& hidden,
                                   const grpo::MicroBatch& batch) {
  const int64_t rows = hidden.size(0) * hidden.size(1);
  auto selected =
      batch.completion_positions.to(hidden.device(), torch::kBool).reshape({-1}).nonzero().squeeze(1);
  auto logits = model.logits_from_hidden(hidden.reshape({rows, -1}).index_select(0, selected));  // [N, V]
  auto targets = batch.targets.to(hidden.device()).reshape({-1}).index_select(0, selected);      // [N]
  auto logprobs =
      torch::log_softmax(logits.to(torch::kFloat32), -1).gather(1, targets.unsqueeze(1)).squeeze(1);
  return torch::zeros({rows}, logprobs.options())
      .index_copy(0, selected, logprobs)
      .view(batch.targets.sizes());
}

// One GRPO policy update (loss at mu = 1, clipping, AdamW) repeated: a warm-up, then `repeats` timed ones.
UpdateRun run_updates(grpo::Transformer& model, const std::vector<grpo::TrainingSequence>& sequences,
                      const std::vector<std::vector<size_t>>& micro_batches, const Options& options,
                      const torch::Device& device) {
  auto optimizer = grpo::make_adamw(*model, {1e-6, 0.9, 0.999, 1e-8, 0.0});
  const grpo::LossSettings settings;
  grpo::MinibatchTotals totals{static_cast<double>(sequences.size()), 0.0};
  for (const auto& s : sequences) totals.completion_tokens += static_cast<double>(s.completion_ids.size());

  UpdateRun run;
  run.micro_batches = micro_batches.size();
  run.completion_tokens = static_cast<int64_t>(totals.completion_tokens);
  auto update = [&] {
    model->train();
    optimizer->zero_grad();
    int64_t tokens = 0;
    for (const auto& micro : micro_batches) {
      auto batch = grpo::make_micro_batch(sequences, micro, device);
      torch::Tensor logprobs;  // [b, L]
      {
        const grpo::MixedPrecisionScope precision(device, options.bf16 ? torch::kBFloat16 : torch::kFloat32,
                                                  /*cache_weights=*/false);
        auto hidden =
            model->hidden_states(batch.input_ids, batch.positions, batch.attention_mask);  // [b, L, D]
        logprobs = options.plain_logits
                       ? plain_token_logprobs(*model, hidden, batch)
                       : grpo::token_logprobs(*model, hidden, batch.targets, batch.completion_positions, 1.0,
                                              nullptr, options.logits_chunk_tokens);
      }
      grpo::LossInputs inputs{logprobs, logprobs.detach(), {}, batch.advantages, batch.loss_mask};
      grpo::grpo_loss(inputs, settings, totals).loss.backward();
      tokens += batch.attention_mask.sum().item<int64_t>();
    }
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    optimizer->step();
    grpo::bench::synchronize(device);
    return tokens;
  };
  update();  // warm-up
  run.seconds = 1e30;
  for (int64_t r = 0; r < options.repeats; ++r) {
    const double start = grpo::bench::now_seconds();
    run.trained_tokens = update();
    run.seconds = std::min(run.seconds, grpo::bench::now_seconds() - start);
  }
  return run;
}

// Forward + backward FLOPs of one update: 6 per body parameter per trained token, 6 x d x V per completion
// token for the lm_head (the update computes logits only there), and the attention core (QK^T and PV, 4 x
// layers x q width per key attended forward, x3 with the backward) at the mean causal context.
double update_flops(const grpo::ModelConfig& config, const UpdateRun& update, int64_t input_length) {
  const double lm_head = static_cast<double>(config.vocab_size * config.hidden_size);
  const double embeddings = lm_head * (config.tie_word_embeddings ? 1 : 2);
  const double body = static_cast<double>(config.parameter_count()) - embeddings;
  const double q_width = static_cast<double>(config.num_attention_heads * config.resolved_head_dim());
  const double mean_context = static_cast<double>(input_length + 1) / 2;
  const double attention_per_token =
      3.0 * 4.0 * static_cast<double>(config.num_hidden_layers) * q_width * mean_context;
  return static_cast<double>(update.trained_tokens) * (6.0 * body + attention_per_token) +
         static_cast<double>(update.completion_tokens) * 6.0 * lm_head;
}

// The matmul speed at the update's M, right before and right after the timed updates.
struct MatmulProbe {
  int64_t rows = 0;
  double before = 0.0, after = 0.0;  // GFLOP/s of the model's matmul mix at M = rows
  double mean() const { return (before + after) / 2; }
};

// ---------------------------------------------------------------- the Python reference

struct PythonReference {
  json rollout;  // generate.py's JSON or {"error": why}
  json update;   // train_step.py's JSON or {"error": why}
  bool complete() const { return !rollout.contains("error") && !update.contains("error"); }
};

// Why the reference cannot run here; empty when it can.
std::string python_unavailable(const Options& options, const torch::Device& device) {
  if (options.python.empty()) return "disabled (--python '')";
  if (!device.is_cpu()) return "the Python reference runs on the CPU only";
  if (!fs::exists(options.python)) return fmt::format("no Python at {}", options.python);
  const std::string check = grpo::bench::shell_quote(options.python) + " -c 'import torch' >/dev/null 2>&1";
  if (std::system(check.c_str()) != 0) {
    return fmt::format("{} cannot import torch (Debian's python3-torch: scripts/setup.sh)", options.python);
  }
  return "";
}

// generate.py (the rollout: same model, prompt count and length, group, new tokens, threads) and
// train_step.py (the update: same sequences, lengths, micro-batch budget, threads, repeats) on the saved
// model.
PythonReference run_python_reference(const Options& options, const fs::path& model_dir,
                                     const torch::Device& device, int64_t sequences,
                                     int64_t micro_batch_tokens) {
  const std::string unavailable = python_unavailable(options, device);
  PythonReference reference;
  if (!unavailable.empty()) {
    reference.rollout = reference.update = json{{"error", unavailable}};
    return reference;
  }
  const std::string python = grpo::bench::shell_quote(options.python),
                    model = grpo::bench::shell_quote(model_dir.string());
  std::cout << "running the Python reference rollout (generate.py) ...\n" << std::flush;
  reference.rollout = grpo::bench::run_json_command(
      fmt::format("{} {} {} --prompts {} --prompt-length {} --group {} --new-tokens {} --threads {} --seed 0",
                  python, grpo::bench::shell_quote((options.reference_dir / "generate.py").string()), model,
                  options.prompts, options.prompt_length, options.group, options.new_tokens, options.threads),
      {"tokens_per_second", "seconds", "peak_rss_kib"});
  std::cout << "running the Python reference update (train_step.py) ...\n" << std::flush;
  reference.update = grpo::bench::run_json_command(
      fmt::format(
          "{} {} {} --threads {} --sequences {} --length {} --prompt-length {} --micro-batch-tokens {} "
          "--repeats {}",
          python, grpo::bench::shell_quote((options.reference_dir / "train_step.py").string()), model,
          options.threads, sequences, options.prompt_length + options.new_tokens, options.prompt_length,
          micro_batch_tokens, options.repeats),
      {"tokens_per_second", "seconds", "peak_rss_kib"});
  return reference;
}

// ---------------------------------------------------------------- measuring

struct Measurements {
  RolloutRun rollout;
  UpdateRun update;
  MatmulProbe matmul;
  PhaseMemory rollout_memory, update_memory;
  int64_t process_peak_kib = -1;
  bool memory_per_phase = false;
  PythonReference python;
  double step_seconds() const { return rollout.seconds + update.seconds; }
};

// C++ rollout, matmul probe, C++ updates, matmul probe, then the Python reference (rollout, update).
Measurements measure(const Options& options, const grpo::ModelConfig& config, const torch::Device& device) {
  Measurements m;
  ResidentPeaks peaks;
  grpo::Transformer model(config);
  grpo::initialize_weights(*model, 0);
  grpo::bench::TemporaryDirectory saved_model("bench_train");  // the reference loads the same weights
  grpo::save_model(*model, saved_model.path);
  model->set_gradient_checkpointing(options.gradient_checkpointing);
  if (options.lora_r > 0) {
    grpo::add_lora_adapters(
        *model, {options.lora_r, 2.0 * static_cast<double>(options.lora_r), 0.0, options.lora_target_modules},
        0);
  }
  model->to(device);
  const auto prompts =
      grpo::bench::random_prompts(options.prompts, options.prompt_length, config.vocab_size, /*seed=*/1);

  std::cout << "C++ rollout ...\n" << std::flush;
  peaks.begin_phase();
  m.rollout = run_rollout(model, prompts, options, device);
  m.rollout_memory = peaks.end_phase();

  const auto sequences = training_sequences(prompts, m.rollout.completions);
  const auto micro_batches = micro_batches_of(sequences, options.micro_batch_tokens);
  m.matmul.rows = largest_micro_batch_tokens(sequences, micro_batches);
  std::cout << fmt::format("matmul probe at M = {} ...\n", m.matmul.rows) << std::flush;
  m.matmul.before = grpo::bench::matmul_mix_gflops(config, m.matmul.rows, device);

  std::cout << "C++ updates ...\n" << std::flush;
  peaks.begin_phase();
  m.update = run_updates(model, sequences, micro_batches, options, device);
  m.update_memory = peaks.end_phase();
  m.matmul.after = grpo::bench::matmul_mix_gflops(config, m.matmul.rows, device);
  m.process_peak_kib = peaks.process_peak_kib();
  m.memory_per_phase = peaks.per_phase();

  const int64_t sequence_count = static_cast<int64_t>(sequences.size());
  const int64_t python_budget = options.micro_batch_tokens > 0
                                    ? options.micro_batch_tokens
                                    : sequence_count * (options.prompt_length + options.new_tokens - 1);
  m.python = run_python_reference(options, saved_model.path, device, sequence_count, python_budget);
  return m;
}

// ---------------------------------------------------------------- report

double mib(int64_t kib) {
  return static_cast<double>(kib) / 1024.0;
}

// A figure of the reference's JSON; none where that script did not run.
std::optional<double> python_figure(const json& run, const char* key) {
  if (run.contains("error")) return std::nullopt;
  return run[key].get<double>();
}

// A table cell: the value with `decimals` decimals, "-" where it is missing.
std::string cell(std::optional<double> value, int decimals) {
  return value ? fmt::format("{:.{}f}", *value, decimals) : "-";
}

std::string ratio_cell(std::optional<double> ratio) {
  return ratio ? fmt::format("{:.2f}x", *ratio) : "-";
}

// "rollout% / update%" of a step.
std::string split_cell(std::optional<double> rollout_seconds, std::optional<double> update_seconds) {
  if (!rollout_seconds || !update_seconds) return "-";
  const double rollout_share = *rollout_seconds / (*rollout_seconds + *update_seconds);
  return fmt::format("{:.0f}% / {:.0f}%", 100 * rollout_share, 100 * (1 - rollout_share));
}

std::optional<double> divide(std::optional<double> numerator, std::optional<double> denominator) {
  if (!numerator || !denominator) return std::nullopt;
  return *numerator / *denominator;
}

void print_row(const std::string& name, const std::string& cpp, const std::string& python,
               const std::string& ratio) {
  std::cout << fmt::format("  {:<30} {:>14} {:>14} {:>8}\n", name, cpp, python, ratio);
}

struct Figures {
  double flops_per_update = 0.0;  // forward + backward of one update (update_flops)
  double achieved_gflops = 0.0;
  double mfu = 0.0;
  // The reference update's FLOPs over the C++ update's: it computes logits at every position.
  double python_flops_ratio = 0.0;
};

Figures compute_figures(const Measurements& m, const Options& options, const grpo::ModelConfig& config) {
  const int64_t input_length = options.prompt_length + options.new_tokens - 1;
  Figures f;
  f.flops_per_update = update_flops(config, m.update, input_length);
  f.achieved_gflops = f.flops_per_update / m.update.seconds / 1e9;
  f.mfu = f.achieved_gflops / m.matmul.mean();
  UpdateRun every_position = m.update;
  every_position.completion_tokens = m.update.trained_tokens;
  f.python_flops_ratio = update_flops(config, every_position, input_length) / f.flops_per_update;
  return f;
}

// The table: C++ and Python side by side, ratio = how many times better C++ is (throughput: C++ / Python;
// seconds and memory: Python / C++).
void print_table(const Measurements& m, const Options& options) {
  const auto& py = m.python;
  const std::optional<double> py_rollout_tps = python_figure(py.rollout, "tokens_per_second"),
                              py_update_tps = python_figure(py.update, "tokens_per_second"),
                              py_rollout_s = python_figure(py.rollout, "seconds"),
                              py_update_s = python_figure(py.update, "seconds"),
                              py_rollout_kib = python_figure(py.rollout, "peak_rss_kib"),
                              py_update_kib = python_figure(py.update, "peak_rss_kib");
  const std::optional<double> py_step_s =
      py_rollout_s && py_update_s ? std::optional<double>(*py_rollout_s + *py_update_s) : std::nullopt;
  const double rollout_kib = static_cast<double>(m.rollout_memory.peak_kib),
               update_kib = static_cast<double>(m.update_memory.peak_kib);

  std::cout << "\nresults (ratio = how many times better C++ is: tokens/s C++ / Python, seconds and memory "
               "Python / C++):\n";
  print_row("", "C++", "Python", "ratio");
  print_row("rollout generated tokens/s", cell(m.rollout.tokens_per_second(), 1), cell(py_rollout_tps, 1),
            ratio_cell(divide(m.rollout.tokens_per_second(), py_rollout_tps)));
  print_row("update trained tokens/s", cell(m.update.tokens_per_second(), 1), cell(py_update_tps, 1),
            ratio_cell(divide(m.update.tokens_per_second(), py_update_tps)));
  print_row("rollout s", cell(m.rollout.seconds, 3), cell(py_rollout_s, 3),
            ratio_cell(divide(py_rollout_s, m.rollout.seconds)));
  print_row(fmt::format("update s (best of {})", options.repeats), cell(m.update.seconds, 3),
            cell(py_update_s, 3), ratio_cell(divide(py_update_s, m.update.seconds)));
  print_row("whole step s", cell(m.step_seconds(), 3), cell(py_step_s, 3),
            ratio_cell(divide(py_step_s, m.step_seconds())));
  print_row("step split rollout / update", split_cell(m.rollout.seconds, m.update.seconds),
            split_cell(py_rollout_s, py_update_s), "");
  print_row("peak RSS, rollout MiB", cell(mib(m.rollout_memory.peak_kib), 0),
            cell(divide(py_rollout_kib, 1024.0), 0), ratio_cell(divide(py_rollout_kib, rollout_kib)));
  print_row("peak RSS, update MiB", cell(mib(m.update_memory.peak_kib), 0),
            cell(divide(py_update_kib, 1024.0), 0), ratio_cell(divide(py_update_kib, update_kib)));
}

// What the figures mean: the matmul speed and MFU, how memory was measured, and why a reference is missing.
void print_notes(const Measurements& m, const Figures& f, const torch::Device& device) {
  std::cout << fmt::format(
      "\nmatmul speed (fp32 model mix at M = {}, the largest micro-batch): {:.1f} GFLOP/s before the "
      "updates, "
      "{:.1f} after, mean {:.1f}\n",
      m.matmul.rows, m.matmul.before, m.matmul.after, m.matmul.mean());
  std::cout << fmt::format(
      "update: {:.1f} GFLOP/s achieved = {:.1f}% MFU against the mean ({:.2f} GFLOP per update: 6 per body "
      "parameter per token, lm_head on the {} completion tokens only, attention core)\n",
      f.achieved_gflops, 100 * f.mfu, f.flops_per_update / 1e9, m.update.completion_tokens);
  if (!m.python.update.contains("error")) {
    std::cout << fmt::format(
        "  the Python update computes logits at every position: {:.2f}x the C++ update's FLOPs per token\n",
        f.python_flops_ratio);
  }
  std::cout << fmt::format(
      "memory: host resident set; C++ per phase (VmHWM, {}; the phases start at {:.0f} and {:.0f} MiB: "
      "LibTorch and the model), process peak {:.0f} MiB (matmul probes included); Python: each script's "
      "whole process (ru_maxrss)\n",
      m.memory_per_phase ? "reset at the phase's start"
                         : "NOT resettable here: cumulative up to the phase's end",
      mib(m.rollout_memory.start_kib), mib(m.update_memory.start_kib), mib(m.process_peak_kib));
  if (device.is_cuda()) {
    std::cout << "  host RSS only: GPU memory is not measured (LibTorch's C++ API exposes no CUDA memory "
                 "statistics without linking c10_cuda)\n";
  }
  if (m.python.rollout.contains("error")) {
    std::cout << "Python rollout unavailable: " << m.python.rollout["error"].get<std::string>() << "\n";
  }
  if (m.python.update.contains("error")) {
    std::cout << "Python update unavailable: " << m.python.update["error"].get<std::string>() << "\n";
  }
}

json report_json(const Measurements& m, const Figures& f, const Options& options,
                 const grpo::ModelConfig& config, const torch::Device& device, int threads) {
  const double step = m.step_seconds();
  json figures = {
      // The figures of the first version of this benchmark (same names, same meanings).
      {"device", device.str()},
      {"threads", threads},
      {"sequences", options.prompts * options.group},
      {"tokens_per_update", m.update.trained_tokens},
      {"micro_batches", m.update.micro_batches},
      {"update_seconds", m.update.seconds},
      {"train_tokens_per_second", m.update.tokens_per_second()},
      {"matmul_gflops", m.matmul.mean()},
      {"achieved_gflops", f.achieved_gflops},
      {"mfu", f.mfu},
      {"rollout_seconds", m.rollout.seconds},
      {"rollout_share_of_step", m.rollout.seconds / step},
      // Added with the whole-step report.
      {"machine", {{"cpu", grpo::bench::cpu_model_name()}, {"blas", grpo::loaded_blas_library()}}},
      {"model", config.to_json()},
      {"job",
       {{"prompts", options.prompts},
        {"prompt_length", options.prompt_length},
        {"group", options.group},
        {"new_tokens", options.new_tokens},
        {"micro_batch_tokens", options.micro_batch_tokens},
        {"logits_chunk_tokens", options.logits_chunk_tokens},
        {"plain_logits", options.plain_logits},
        {"bf16", options.bf16},
        {"vocab_size", options.vocab_size},
        {"repeats", options.repeats}}},
      {"rollout_generated_tokens", m.rollout.generated_tokens},
      {"rollout_tokens_per_second", m.rollout.tokens_per_second()},
      {"update_completion_tokens", m.update.completion_tokens},
      {"update_flops", f.flops_per_update},
      {"step_seconds", step},
      {"update_share_of_step", m.update.seconds / step},
      {"matmul",
       {{"rows", m.matmul.rows},
        {"gflops_before", m.matmul.before},
        {"gflops_after", m.matmul.after},
        {"gflops_mean", m.matmul.mean()}}},
      {"memory",
       {{"kind", "host resident set (VmHWM), KiB"},
        {"per_phase", m.memory_per_phase},
        {"rollout_start_rss_kib", m.rollout_memory.start_kib},
        {"rollout_peak_rss_kib", m.rollout_memory.peak_kib},
        {"update_start_rss_kib", m.update_memory.start_kib},
        {"update_peak_rss_kib", m.update_memory.peak_kib},
        {"process_peak_rss_kib", m.process_peak_kib},
        {"gpu", device.is_cuda() ? json("not measured (host RSS only)") : json(nullptr)}}},
      {"python", {{"rollout", m.python.rollout}, {"update", m.python.update}}},
  };
  json ratios = json::object();
  if (!m.python.rollout.contains("error")) {
    ratios["rollout_tokens_per_second"] =
        m.rollout.tokens_per_second() / m.python.rollout["tokens_per_second"].get<double>();
    ratios["rollout_peak_rss_python_over_cpp"] =
        m.python.rollout["peak_rss_kib"].get<double>() / static_cast<double>(m.rollout_memory.peak_kib);
  }
  if (!m.python.update.contains("error")) {
    const double python_tps = m.python.update["tokens_per_second"].get<double>();
    figures["python_tokens_per_second"] = python_tps;
    figures["speedup_vs_python"] = m.update.tokens_per_second() / python_tps;
    ratios["update_tokens_per_second"] = m.update.tokens_per_second() / python_tps;
    ratios["update_peak_rss_python_over_cpp"] =
        m.python.update["peak_rss_kib"].get<double>() / static_cast<double>(m.update_memory.peak_kib);
    ratios["python_update_flops_over_cpp"] = f.python_flops_ratio;
  }
  if (m.python.complete()) {
    const double python_step =
        m.python.rollout["seconds"].get<double>() + m.python.update["seconds"].get<double>();
    figures["python"]["step_seconds"] = python_step;
    figures["python"]["rollout_share_of_step"] = m.python.rollout["seconds"].get<double>() / python_step;
    ratios["step_seconds_python_over_cpp"] = python_step / step;
  }
  figures["ratios"] = ratios;
  return figures;
}

int run_benchmark(const Options& options) {
  grpo::bench::check_json_directory(options.json_path);  // fail before minutes of measuring, not after
  const torch::Device device = grpo::parse_device(options.device);
  const int threads = grpo::configure_threads(options.threads);
  grpo::ModelConfig config =
      grpo::bench::benchmark_model_config(options.prompt_length + options.new_tokens + 1);
  config.vocab_size = options.vocab_size;
  std::cout << fmt::format(
      "bench_train: {} on {} ({} intra-op threads), BLAS: {}\n"
      "model: {} layers, d_model {}, {} heads, {} KV heads, FFN {}, vocabulary {}, fp32, random weights\n"
      "step: {} prompts x {} tokens, G = {} -> {} sequences of {} + {} new tokens (eos disabled); update: "
      "loss "
      "dapo at mu = 1, clipping, AdamW, {}, logits {}, best of {} timed after a warm-up\n",
      options.device, grpo::bench::cpu_model_name(), threads, grpo::loaded_blas_library(),
      config.num_hidden_layers, config.hidden_size, config.num_attention_heads, config.num_key_value_heads,
      config.intermediate_size, config.vocab_size, options.prompts, options.prompt_length, options.group,
      options.prompts * options.group, options.prompt_length, options.new_tokens,
      options.micro_batch_tokens > 0
          ? fmt::format("micro-batches of <= {} tokens", options.micro_batch_tokens)
          : std::string("one micro-batch"),
      options.plain_logits ? std::string("through plain autograd (every [rows, V] kept)")
      : options.logits_chunk_tokens > 0
          ? fmt::format("in chunks of {} rows (recomputed in the backward pass)", options.logits_chunk_tokens)
          : std::string("in one chunk (recomputed in the backward pass)"),
      options.repeats);
  const std::string blas_warning = grpo::blas_thread_warning(device, threads);
  if (!blas_warning.empty()) std::cout << "warning: " << blas_warning << "\n";

  const Measurements m = measure(options, config, device);
  const Figures f = compute_figures(m, options, config);
  std::cout << fmt::format("{} micro-batches, {} trained tokens per update\n", m.update.micro_batches,
                           m.update.trained_tokens);
  print_table(m, options);
  print_notes(m, f, device);
  if (!options.json_path.empty()) {
    std::ofstream out(options.json_path);
    if (!out) grpo::fail("--json {}: cannot open the file for writing", options.json_path);
    out << report_json(m, f, options, config, device, threads).dump(2) << "\n";
    std::cout << "wrote " << options.json_path << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  grpo::use_passive_openmp_wait_policy(argv);  // as grpo does: see core/openmp_wait_policy.h
  grpo::keep_freed_memory_in_process();        // and core/malloc_tuning.h
  Options options;
  options.reference_dir = fs::path(GRPO_SOURCE_DIR) / "scripts" / "reference";
  CLI::App app{
      "bench_train: one whole GRPO step (rollout + update) on the benchmark model: tokens/s, time split, "
      "MFU, "
      "peak memory, against the Python reference (see BENCHMARKS.md)"};
  app.add_option("--device", options.device, "cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--threads", options.threads, "intra-op threads")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--prompts", options.prompts, "distinct prompts")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--group", options.group, "G: completions per prompt")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--prompt-length", options.prompt_length, "tokens per prompt")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--new-tokens", options.new_tokens, "tokens generated per completion")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--micro-batch-tokens", options.micro_batch_tokens, "update micro-batch budget (<= 0: one)")
      ->capture_default_str();
  app.add_option("--logits-chunk-tokens", options.logits_chunk_tokens,
                 "token_logprobs: rows of [rows, V] logits at once, forward and backward (<= 0: all)")
      ->capture_default_str();
  app.add_flag("--plain-logits", options.plain_logits,
               "Log-probs through plain autograd instead, keeping every [rows, V] for the backward (the "
               "baseline)");
  app.add_option("--vocab-size", options.vocab_size, "The benchmark model's vocabulary (e.g. 151936: Qwen3)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--gradient-checkpointing", options.gradient_checkpointing,
               "Recompute each decoder layer in the update's backward pass");
  app.add_flag("--bf16", options.bf16,
               "bf16 mixed precision in the rollout and the update (float32 weights and AdamW; the Python "
               "reference stays float32)");
  app.add_option("--lora-r", options.lora_r, "Train LoRA adapters of this rank (alpha 2r) only (0 = all)")
      ->capture_default_str();
  app.add_option("--lora-target-modules", options.lora_target_modules, "LoRA's projections (or all-linear)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--repeats", options.repeats, "Timed updates (after one warm-up)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--python", options.python, "Python with torch for the reference ('' to skip)")
      ->capture_default_str();
  app.add_option("--json", options.json_path, "Write the figures as JSON");
  CLI11_PARSE(app, argc, argv);
  try {
    return run_benchmark(options);
  } catch (const std::exception& error) {
    std::cerr << "bench_train: error: " << error.what() << "\n";
    return 1;
  }
}
