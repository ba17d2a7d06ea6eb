#include "trainer/sft_trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <numeric>

#include "core/clock.h"
#include "core/error.h"
#include "core/strings.h"
#include "core/switch_value.h"
#include "datasets/chat_prompt.h"
#include "datasets/data_split.h"
#include "datasets/seeded_random.h"
#include "logs/metric_names.h"
#include "model/device.h"
#include "model/mixed_precision.h"
#include "model/model_dir.h"
#include "model/parameter_copy.h"
#include "trainer/checkpoint.h"
#include "trainer/optimizer.h"
#include "trainer/prompt_settings.h"
#include "trainer/run_directory.h"
#include "trainer/sft_batch.h"
#include "trainer/stop_signal.h"

namespace grpo {

namespace metric = logs::metric;
using nlohmann::json;

void SftConfig::validate() const {
  if (model.empty()) fail("sft: --model is required");
  if (train_data.empty()) fail("sft: --data is required (JSONL rows of prompt + completion, or messages)");
  if (per_device_train_batch_size < 1)
    fail("--per-device-train-batch-size must be >= 1, got {}", per_device_train_batch_size);
  if (max_steps <= 0 && !(num_train_epochs > 0))
    fail("--num-train-epochs must be > 0 (or give --max-steps), got {}", num_train_epochs);
  if (max_length < 0) fail("--max-length must be >= 0 (0 = the model's context), got {}", max_length);
  if (!(learning_rate > 0)) fail("--learning-rate must be > 0, got {}", learning_rate);
  if (eval_steps < 0 || save_steps < 0 || logging_steps < 0)
    fail("--eval-steps, --save-steps and --logging-steps must be >= 0");
  parse_schedule(lr_scheduler_type);
  bf16_enabled();
}

bool SftConfig::bf16_enabled() const {
  return switch_value("bf16", bf16, starts_with(device, "cuda"));
}

namespace {

// `fraction` of the examples, chosen by `seed`, moved out into the eval set (both keep their order).
void hold_out(std::vector<SftExample>& train, std::vector<SftExample>& eval, double fraction, uint64_t seed) {
  if (train.size() < 2) return;
  const size_t count = std::min(eval_count_for_fraction(fraction, train.size()), train.size() - 1);
  std::vector<size_t> order(train.size());
  std::iota(order.begin(), order.end(), size_t{0});
  SeededRandom::for_item(seed, "sft-eval-split", 0).shuffle(order);
  std::vector<uint8_t> held(train.size(), 0);
  for (size_t i = 0; i < count; ++i) held[order[i]] = 1;
  std::vector<SftExample> kept;
  for (size_t i = 0; i < train.size(); ++i) (held[i] ? eval : kept).push_back(std::move(train[i]));
  train = std::move(kept);
}

SftExamples read_examples(const std::string& path, const SftFormatter& formatter, int64_t max_length) {
  SftExamples read = read_sft_examples(path, formatter, max_length);
  if (read.truncated > 0)
    fmt::print(stderr, "sft: {}: {} examples longer than {} tokens lost their end\n", path, read.truncated,
               max_length);
  if (read.dropped > 0)
    fmt::print(stderr, "sft: {}: {} examples had no trained token left within {} tokens and were dropped\n",
               path, read.dropped, max_length);
  if (read.examples.empty()) fail("sft: {} holds no example to train on", path);
  return read;
}

}  // namespace

SftTrainer::SftTrainer(SftConfig config, std::string resolved_config_toml,
                       std::unique_ptr<SftObjective> objective)
    : config_(std::move(config)),
      objective_(std::move(objective)),
      trainer_name_(objective_ ? objective_->trainer_name() : "sft"),
      device_(parse_device(config_.device)) {
  config_.validate();
  if (objective_ && config_.packing) fail("{}: --packing is not supported", trainer_name_);
  start_time_ = now_seconds();
  if (config_.resume.empty()) prepare_new_run_directory(config_.output_dir, config_.overwrite);

  tokenizer_ = load_tokenizer(config_.model);
  model_ = load_model(config_.model, device_);
  if (config_.bf16_enabled()) {
    compute_dtype_ = torch::kBFloat16;
    check_dtype_supported_on(compute_dtype_, device_);
  }
  if (objective_) objective_->attach(model_, *tokenizer_);
  const int64_t context = model_->config().max_position_embeddings;
  if (config_.max_length == 0 || config_.max_length > context) {
    if (config_.max_length > context)
      fmt::print(stderr, "{}: --max-length {} is beyond the model's context; using {}\n", trainer_name_,
                 config_.max_length, context);
    config_.max_length = context;
  }

  // The examples: templates, tokens, the held-out split, the rows (packed or one example each).
  const ChatPromptOptions chat =
      chat_prompt_options(config_.system_prompt, config_.chat_template_kwargs, config_.assistant_prefix);
  template_ = load_prompt_template(config_.prompt_template, config_.model, chat);
  SftFormatter formatter(*tokenizer_, {template_, config_.model, chat, config_.completion_only_loss});
  train_examples_ = read_examples(config_.train_data, formatter, config_.max_length).examples;
  if (!config_.eval_data.empty()) {
    eval_examples_ = read_examples(config_.eval_data, formatter, config_.max_length).examples;
  } else if (config_.eval_fraction > 0) {
    hold_out(train_examples_, eval_examples_, config_.eval_fraction, config_.seed);
  }
  if (config_.packing) {
    std::vector<int64_t> lengths;
    for (const auto& example : train_examples_)
      lengths.push_back(static_cast<int64_t>(example.ids.size()) - 1);
    rows_ = pack_by_length(lengths, config_.max_length);
  } else {
    for (size_t i = 0; i < train_examples_.size(); ++i) rows_.push_back({i});
  }
  const int64_t rows = static_cast<int64_t>(rows_.size());
  steps_per_epoch_ = (rows + config_.per_device_train_batch_size - 1) / config_.per_device_train_batch_size;
  total_steps_ =
      config_.max_steps > 0
          ? config_.max_steps
          : static_cast<int64_t>(std::ceil(config_.num_train_epochs * static_cast<double>(steps_per_epoch_)));

  optimizer_ = make_adamw(
      *model_, {config_.learning_rate, config_.adam_beta1, config_.adam_beta2, 1e-8, config_.weight_decay});
  schedule_ = {config_.learning_rate, config_.warmup_steps, total_steps_,
               parse_schedule(config_.lr_scheduler_type), config_.min_lr_ratio};

  run_log_ = std::make_unique<logs::RunLogWriter>(config_.output_dir);
  if (!config_.resume.empty()) resume_from_checkpoint();
  record_run_config(config_.output_dir, resolved_config_toml, config_.resume.empty() ? -1 : step_,
                    config_.override_options);
  fmt::print(
      stderr,
      "{}: model {} ({:.2f}M parameters) on {}; {} training examples in {} rows{}, {} held out; {} steps "
      "({} per epoch){}; run directory {}\n",
      trainer_name_, config_.model, static_cast<double>(model_->config().parameter_count()) / 1e6,
      device_.str(), train_examples_.size(), rows, config_.packing ? " (packed)" : "", eval_examples_.size(),
      total_steps_, steps_per_epoch_,
      compute_dtype_ == torch::kBFloat16 ? "; bf16 mixed precision (float32 weights and AdamW state)" : "",
      config_.output_dir);
}

SftTrainer::~SftTrainer() = default;

void SftTrainer::train() {
  StopSignalScope signals;
  model_->train();
  while (step_ < total_steps_ && !stop_requested()) {
    json metrics = train_step();
    const bool last = step_ == total_steps_;
    if (!eval_examples_.empty() && (last || (config_.eval_steps > 0 && step_ % config_.eval_steps == 0)))
      metrics[metric::kEvalLoss] = eval_loss();
    last_metrics_ = metrics;
    run_log_->append_metrics(metrics);
    if (last || (config_.logging_steps > 0 && step_ % config_.logging_steps == 0)) {
      const double eta = metrics[metric::kTimeStep].get<double>() * static_cast<double>(total_steps_ - step_);
      std::string eval_text = metrics.contains(metric::kEvalLoss)
                                  ? fmt::format(" | eval {:.4f}", metrics[metric::kEvalLoss].get<double>())
                                  : "";
      fmt::print(stderr,
                 "{} step {}/{} | loss {:.4f}{} | lr {:.2e} | gnorm {:.3f} | epoch {:.2f} | ETA {:.0f}s\n",
                 trainer_name_, step_, total_steps_, metrics[metric::kLoss].get<double>(), eval_text,
                 metrics[metric::kLearningRate].get<double>(), metrics[metric::kGradNorm].get<double>(),
                 metrics[metric::kEpoch].get<double>(), eta);
    }
    if (!last && !stop_requested() && config_.save_steps > 0 && step_ % config_.save_steps == 0) save();
  }
  if (stop_requested()) {
    fmt::print(stderr, "{}: stopped by {}: saving a checkpoint at step {}\n", trainer_name_,
               stop_signal() == SIGINT ? "Ctrl-C" : "a signal", step_);
  }
  save();
}

std::vector<size_t> SftTrainer::rows_of_step(int64_t step) const {
  const int64_t epoch = step / steps_per_epoch_;
  const int64_t first = (step % steps_per_epoch_) * config_.per_device_train_batch_size;
  std::vector<size_t> order(rows_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  SeededRandom::for_item(config_.seed, "sft-epoch", static_cast<uint64_t>(epoch)).shuffle(order);
  const int64_t end = std::min<int64_t>(first + config_.per_device_train_batch_size, order.size());
  return std::vector<size_t>(order.begin() + first, order.begin() + end);
}

json SftTrainer::train_step() {
  const double step_start = now_seconds();
  std::vector<std::vector<const SftExample*>> rows;
  for (size_t row : rows_of_step(step_)) {
    rows.emplace_back();
    for (size_t example : rows_[row]) rows.back().push_back(&train_examples_[example]);
  }
  SftBatch batch;
  if (config_.packing) {
    batch = packed_batch(rows);
  } else {
    std::vector<const SftExample*> examples;
    for (const auto& row : rows) examples.push_back(row.front());
    batch = unpacked_batch(examples);
  }
  const double lr = schedule_.at(step_);
  set_learning_rate(*optimizer_, lr);
  optimizer_->zero_grad();
  json objective_metrics = json::object();
  SftLoss loss;
  {
    // --bf16: the forwards in bf16, the loss in float32; the backward below runs outside the scope as
    // autograd recorded it (the model's own autograd functions re-enter the forward's precision).
    const MixedPrecisionScope precision(device_, compute_dtype_, false);
    if (objective_) {
      std::vector<const SftExample*> examples;
      for (const auto& row : rows) examples.push_back(row.front());
      loss = objective_->loss(examples, step_, objective_metrics);
    } else {
      loss = sft_loss(*model_, batch);
    }
  }
  const double loss_value = loss.loss.item<double>();
  if (!std::isfinite(loss_value))
    fail("{}: step {}: the loss is {}; lower --learning-rate", trainer_name_, step_ + 1, loss_value);
  loss.loss.backward();
  const double max_norm = config_.max_grad_norm > 0 ? config_.max_grad_norm : INFINITY;
  const double grad_norm = torch::nn::utils::clip_grad_norm_(model_->parameters(), max_norm);
  optimizer_->step();
  ++step_;
  tokens_seen_ += batch.tokens;
  json metrics = {{metric::kStep, step_},
                  {metric::kLoss, loss_value},
                  {metric::kLearningRate, lr},
                  {metric::kGradNorm, grad_norm},
                  {metric::kNumTokens, tokens_seen_},
                  {metric::kTokensTrained, objective_ ? loss.tokens : batch.trained_tokens},
                  {metric::kEpoch, static_cast<double>(step_) / static_cast<double>(steps_per_epoch_)},
                  {metric::kTimeStep, now_seconds() - step_start},
                  {metric::kElapsed, elapsed_before_resume_ + now_seconds() - start_time_}};
  metrics.update(objective_metrics);
  return metrics;
}

double SftTrainer::eval_loss() {
  torch::NoGradGuard no_grad;
  const MixedPrecisionScope precision(device_, compute_dtype_, true);
  model_->eval();
  double nll = 0;
  int64_t tokens = 0;
  for (size_t first = 0; first < eval_examples_.size();
       first += static_cast<size_t>(config_.per_device_train_batch_size)) {
    std::vector<const SftExample*> examples;
    for (size_t i = first; i < std::min(eval_examples_.size(),
                                        first + static_cast<size_t>(config_.per_device_train_batch_size));
         ++i)
      examples.push_back(&eval_examples_[i]);
    SftLoss loss = sft_loss(*model_, unpacked_batch(examples));
    nll += loss.nll_sum.item<double>();
    tokens += loss.tokens;
  }
  model_->train();
  return nll / static_cast<double>(std::max<int64_t>(1, tokens));
}

void SftTrainer::save() {
  CheckpointContents contents;
  contents.policy = model_.get();
  contents.optimizer = optimizer_.get();
  contents.source_model = config_.model;
  contents.prompt_settings = PromptSettings{template_, "", config_.stop_strings}.to_json();
  contents.trainer_state = {{"trainer", trainer_name_},
                            {"step", step_},
                            {"seed", config_.seed},
                            {"tokens_seen", tokens_seen_},
                            {"elapsed", elapsed_before_resume_ + now_seconds() - start_time_}};
  auto path = save_checkpoint(config_.output_dir, step_, contents, config_.save_total_limit);
  fmt::print(stderr, "{}: checkpoint {}\n", trainer_name_, path.string());
}

void SftTrainer::resume_from_checkpoint() {
  const size_t stale = remove_stale_staging(config_.output_dir);
  if (stale > 0)
    fmt::print(stderr, "{}: removed {} unfinished checkpoint write(s) left by a crash\n", trainer_name_,
               stale);
  const auto checkpoint = checkpoint_to_resume(config_.resume, config_.output_dir);
  if (!checkpoint) {
    fmt::print(stderr, "{}: --resume: no checkpoint in {}, starting from step 0\n", trainer_name_,
               config_.output_dir);
    return;
  }
  verify_checkpoint(*checkpoint);
  const json state = read_trainer_state(*checkpoint);
  if (state.value("trainer", std::string()) != trainer_name_)
    fail("--resume {}: not a checkpoint of `grpo {}` (use its model with --model instead)",
         checkpoint->string(), trainer_name_);
  copy_parameters(*load_model(*checkpoint / "model", device_), *model_);
  load_optimizer_state(*checkpoint, *optimizer_);
  step_ = state.at("step").get<int64_t>();
  tokens_seen_ = state.value("tokens_seen", int64_t{0});
  elapsed_before_resume_ = state.value("elapsed", 0.0);
  fmt::print(stderr, "{}: resumed from {} at step {}\n", trainer_name_, checkpoint->string(), step_);
  for (const auto& moved : set_aside_newer_checkpoints(config_.output_dir, *checkpoint)) {
    fmt::print(stderr, "{}: set aside the newer checkpoint {} (not resumed from, not pruned)\n",
               trainer_name_, moved.string());
  }
}

}  // namespace grpo
