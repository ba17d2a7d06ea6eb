#include "trainer/grpo_trainer.h"

#include <torch/torch.h>

#include <cmath>
#include <csignal>
#include <cstdio>

#include "core/clock.h"
#include "core/error.h"
#include "core/resident_memory.h"
#include "distributed/collectives.h"
#include "logs/metric_names.h"
#include "model/device.h"
#include "model/device_memory.h"
#include "model/lora.h"
#include "model/model_dir.h"
#include "model/parameter_copy.h"
#include "trainer/advantages.h"
#include "trainer/data_fit.h"
#include "trainer/optimizer.h"
#include "trainer/policy_update.h"
#include "trainer/run_directory.h"
#include "trainer/trainer_wiring.h"

namespace grpo {

namespace fs = std::filesystem;
namespace metric = logs::metric;
using nlohmann::json;

namespace {

// Which reward is reported as accuracy (the one named, else the first) and which as format_rate.
RewardRoles reward_roles_of(const RewardSet& rewards, const std::string& accuracy_reward) {
  RewardRoles roles;
  for (size_t i = 0; i < rewards.names().size(); ++i) {
    if (!accuracy_reward.empty() && rewards.names()[i] == accuracy_reward)
      roles.accuracy = static_cast<int>(i);
    if (rewards.names()[i] == "format" && roles.format < 0) roles.format = static_cast<int>(i);
  }
  return roles;
}

// The sequences to learn from: each completion after its prompt, with its advantage (the step's advantages
// from `first_advantage` on: this rank's share) and the rollout's log-probs (the sampling policy's, same
// definition as the trainer's) as the old ones and, when `compare_rollout` (the update's old log-probs come
// from the training forward), also as rollout_logprobs for the mismatch metrics and TIS.
std::vector<TrainingSequence> training_sequences(const std::vector<RolloutGroup>& groups,
                                                 const Advantages& advantages, size_t first_advantage,
                                                 bool mask_truncated, bool compare_rollout) {
  std::vector<TrainingSequence> sequences;
  for (const auto& group : groups) {
    for (const auto& completion : group.completions) {
      TrainingSequence sequence;
      sequence.prompt_ids = group.prompt_ids;
      sequence.completion_ids = completion.token_ids;
      sequence.advantage = advantages.values[first_advantage + sequences.size()];
      sequence.loss_masked = mask_truncated && completion.finish_reason == FinishReason::kLength;
      sequence.old_logprobs = completion.logprobs;
      if (compare_rollout) sequence.rollout_logprobs = completion.logprobs;
      sequences.push_back(std::move(sequence));
    }
  }
  return sequences;
}

// The peak resident set since the last reset_resident_peak(), MiB (-1 where unreadable).
double resident_peak_mib() {
  const int64_t kib = resident_set().peak_kib;
  return kib < 0 ? -1.0 : static_cast<double>(kib) / 1024.0;
}

// A phase's memory is measured from here: the host's peak and the device allocator's start again.
void start_phase_memory(const torch::Device& device) {
  reset_resident_peak();
  reset_device_memory_peak(device);
}

}  // namespace

GrpoTrainer::GrpoTrainer(TrainerConfig config, std::string resolved_config_toml)
    : config_(std::move(config)), device_(parse_device(config_.device)) {
  config_.validate();
  start_time_ = now_seconds();
  collectives_ = distributed::Collectives::connect(distributed::rank_environment_from(),
                                                   {config_.dist_backend, config_.dist_timeout}, device_);
  const bool main_rank = collectives_->is_main();
  if (config_.questions_per_step < collectives_->world_size()) {
    fail("questions_per_step ({}) is below the number of ranks ({}): every rank needs at least one question",
         config_.questions_per_step, collectives_->world_size());
  }
  if (config_.resume.empty() && main_rank) prepare_new_run_directory(config_.output_dir, config_.overwrite);

  // Data, prompts and rewards: the task's verifier (or accuracy) and format unless the user names them.
  data_ = open_training_data(data_settings_of(config_));
  template_ = load_prompt_template(config_.prompt_template, config_.model, chat_prompt_options_of(config_));
  reward_specs_ = reward_specs_of(config_, data_.reward_name);
  rewards_ = RewardSet::from_specs(reward_specs_, config_.reward_weights, reward_options_of(config_));
  reward_roles_ = reward_roles_of(rewards_, config_.accuracy_reward);

  // Model, tokenizer, reference, optimiser, rollout engine; the loss and the schedule.
  tokenizer_ = load_tokenizer(config_.model);
  policy_ = load_model(config_.model, device_);
  if (tokenizer_->vocab_size() > policy_->config().vocab_size) {
    fail("the tokenizer of '{}' has {} pieces but the model's vocab_size is {}", config_.model,
         tokenizer_->vocab_size(), policy_->config().vocab_size);
  }
  if (config_.use_routing_replay && !policy_->config().is_moe()) {
    fail(
        "--use-routing-replay needs a mixture-of-experts model, but '{}' is dense (num_experts 0); drop the "
        "option",
        config_.model);
  }
  policy_->set_gradient_checkpointing(config_.gradient_checkpointing);
  if (config_.bf16_enabled()) compute_dtype_ = torch::kBFloat16;
  if (config_.lora_r > 0) {
    const int64_t adapted = add_lora_adapters(*policy_, lora_settings_of(config_), config_.seed);
    fmt::print(stderr, "grpo: LoRA r={} alpha={} on {} projections ({}): {} trainable parameters\n",
               config_.lora_r, config_.lora_alpha, adapted,
               fmt::join(expand_lora_targets(config_.lora_target_modules), ","), trainable_parameter_count());
  }
  // With LoRA the reference is the policy with its adapters off: no second copy of the weights.
  if (config_.beta > 0 && config_.lora_r == 0) {
    reference_ = load_model(config_.model, device_);
    reference_->eval();
    for (auto& p : reference_->parameters()) p.set_requires_grad(false);
  }
  prefill_ids_ = config_.prefill.empty() ? std::vector<int64_t>{} : tokenizer_->encode(config_.prefill);
  optimizer_ = make_adamw(*policy_, adamw_settings_of(config_));
  engine_ = std::make_unique<RolloutEngine>(
      policy_, tokenizer_.get(), generation_eos_token_ids(config_.model, policy_->config().vocab_size));
  for (const std::string& warning :
       !main_rank
           ? std::vector<std::string>{}
           : check_data_fit(*tokenizer_, template_, peek_examples(*data_.train, 64),
                            config_.max_completion_length, policy_->config().max_position_embeddings)) {
    fmt::print(stderr, "grpo: warning: {}\n", warning);
  }
  loss_settings_ = loss_settings_of(config_);
  schedule_ = schedule_of(config_);

  // The run directory (rank 0's): logs, the resumed state, the configuration's record.
  if (main_rank) {
    run_log_ = std::make_unique<logs::RunLogWriter>(config_.output_dir, rollout_log_options_of(config_));
  }
  if (!config_.resume.empty()) resume_from_checkpoint();
  broadcast_weights();
  if (!main_rank) return;
  record_run_config(config_.output_dir, resolved_config_toml, config_.resume.empty() ? -1 : step_,
                    config_.override_options);

  for (const auto& note : data_.notes) fmt::print(stderr, "grpo: {}\n", note);
  fmt::print(stderr, "grpo: model {} ({:.2f}M parameters) on {}; rewards: {}; run directory {}\n",
             config_.model, static_cast<double>(policy_->config().parameter_count()) / 1e6, device_.str(),
             fmt::join(rewards_.names(), ", "), config_.output_dir);
  if (compute_dtype_ != torch::kFloat32) {
    fmt::print(stderr,
               "grpo: bf16 mixed precision (float32 weights and AdamW state; bf16 forwards and KV cache); "
               "old log-probs {}{}\n",
               !config_.reuses_rollouts()                 ? "from the update's own forward"
               : config_.recompute_old_logprobs_enabled() ? "recomputed by the training forward"
                                                          : "from the rollout",
               config_.rollout_is_cap > 0
                   ? fmt::format("; truncated importance sampling, cap {}", config_.rollout_is_cap)
                   : "");
  }
  if (collectives_->is_distributed()) {
    fmt::print(stderr, "grpo: data parallel over {} ranks ({}): {} questions per step in all\n",
               collectives_->world_size(), config_.dist_backend, config_.questions_per_step);
  }
}

// Every rank starts from rank 0's weights (the policy's, and the reference's when there is one).
void GrpoTrainer::broadcast_weights() {
  if (!collectives_->is_distributed()) return;
  collectives_->set_activity("start-up (broadcast of rank 0's weights)");
  std::vector<torch::Tensor> tensors;
  for (const auto& p : policy_->parameters()) tensors.push_back(p);
  for (const auto& b : policy_->buffers()) tensors.push_back(b);
  if (reference_) {
    for (const auto& p : reference_->parameters()) tensors.push_back(p);
  }
  collectives_->broadcast_from_main(tensors);
}

bool GrpoTrainer::stop_agreed() {
  return collectives_->any(stop_requested());
}

GrpoTrainer::~GrpoTrainer() = default;

void GrpoTrainer::train() {
  StopSignalScope signals;
  const bool evaluating = !data_.eval.empty();
  if (evaluating && step_ == 0) evaluate_and_log();
  // With several ranks the stop is decided together, so that every rank takes the same path.
  bool stopped = false;
  while (step_ < config_.max_steps && !(stopped = stop_agreed())) {
    json metrics = train_step();
    if (metrics.is_null()) {
      stopped = stop_agreed();
      if (!stopped && collectives_->is_main())
        fmt::print(stderr, "grpo: the training data ran out after step {}\n", step_);
      break;
    }
    last_metrics_ = metrics;
    if (run_log_) {
      run_log_->append_metrics(metrics);
      print_step_line(metrics);
    }
    const bool last = step_ == config_.max_steps;
    if (evaluating && !last && config_.eval_steps > 0 && step_ % config_.eval_steps == 0) evaluate_and_log();
    if (!last && !stop_requested() && config_.save_steps > 0 && step_ % config_.save_steps == 0) save();
  }
  if (!stopped) stopped = stop_agreed();  // a stop during the last step: no final evaluation
  if (stopped) {
    if (collectives_->is_main()) {
      fmt::print(stderr, "grpo: stopped by {}: saving a checkpoint at step {}\n",
                 stop_signal() == SIGINT ? "Ctrl-C" : "a signal", step_);
    }
    save();
    return;
  }
  if (evaluating) evaluate_and_log();
  save();
  if (run_log_) run_log_->rollouts().compress_all();
}

// ---------------------------------------------------------------- one step

json GrpoTrainer::train_step() {
  const double step_start = now_seconds();
  collectives_->set_activity(fmt::format("step {}", step_ + 1));
  const auto communication_before = collectives_->stats();
  const json cursor_before = data_.train->cursor();
  // Until the update starts, a stop abandons the step: the questions go back to the stream, nothing is
  // changed.
  auto abandon = [&](const std::string& why) {
    data_.train->restore(cursor_before);
    if (collectives_->is_main()) {
      fmt::print(stderr, "grpo: step {} abandoned ({}); its questions will be asked again on resume\n",
                 step_ + 1, why);
    }
    return json(nullptr);
  };
  PhaseSeconds seconds;
  PhasePeaks peaks;
  auto phase_peak = [&] { return PhasePeak{resident_peak_mib(), device_memory_peak_mib(device_)}; };
  double frac_zero_std = 0;

  // 1. A batch of questions, G completions each, scored by the rewards.
  std::vector<RolloutGroup> groups;
  start_phase_memory(device_);
  try {
    groups = collect_groups(seconds, frac_zero_std);
    peaks.rollout = phase_peak();
  } catch (const Error& e) {
    // With several ranks the others are in the middle of the same collectives: stop with the error.
    if (!stop_requested() || collectives_->is_distributed()) throw;
    return abandon(fmt::format("stopped while sampling or scoring: {}", e.what()));
  }
  if (stop_agreed()) return abandon("stop requested");

  // 2. Group-relative advantages, over every rank's groups (in rank order): the same values as one process.
  size_t first_of_mine = 0;
  const std::vector<RolloutGroup> step_groups = gather_groups(groups, first_of_mine);
  if (step_groups.empty()) return nullptr;
  std::vector<double> totals;
  for (const auto& group : step_groups) totals.insert(totals.end(), group.totals.begin(), group.totals.end());
  const Advantages advantages =
      compute_advantages(totals, config_.num_generations, parse_advantage_scaling(config_.scale_rewards));

  // 3. Sequences to learn from, with the sampling policy's log-probs and the reference model's when beta > 0.
  // Reusing rollouts (mu > 1 or several minibatches) with --recompute-old-logprobs: the old log-probs come
  // from the training forward (its precision), the rollout's are kept to compare. Without reuse the update's
  // own forward gives them.
  const bool reuse_rollouts = config_.reuses_rollouts();
  const bool recompute_old = reuse_rollouts && config_.recompute_old_logprobs_enabled();
  std::vector<TrainingSequence> sequences =
      training_sequences(groups, advantages, first_of_mine, config_.mask_truncated_completions,
                         !reuse_rollouts || recompute_old);
  if (config_.beta > 0 || recompute_old) {
    const double t0 = now_seconds();
    start_phase_memory(device_);
    if (recompute_old) {
      compute_completion_logprobs(*policy_, sequences, config_.micro_batch_tokens, config_.temperature,
                                  &TrainingSequence::old_logprobs, config_.logits_chunk_tokens,
                                  compute_dtype_);
    }
    if (config_.beta > 0) compute_reference_logprobs(sequences);
    peaks.logprobs = phase_peak();
    seconds.logprobs += now_seconds() - t0;
  }
  if (stop_agreed()) return abandon("stop requested");

  // 4. mu passes of minibatch updates with the clipped objective; gradient clipping; AdamW and the schedule.
  const double update_start = now_seconds();
  start_phase_memory(device_);
  json update = update_policy(sequences, reuse_rollouts);
  peaks.update = phase_peak();
  seconds.update = now_seconds() - update_start;
  ++step_;
  reset_reference_when_due();

  // 5. Metrics and the completions log (rank 0's to write; a gathered completion's text is its scored text).
  if (run_log_) {
    run_log_->write_rollouts(step_, rollout_records(step_groups, advantages, rewards_,
                                                    [](const Completion& c) { return c.text; }));
  }
  json metrics = {{metric::kStep, step_}};
  metrics.update(rollout_metrics(step_groups, advantages, frac_zero_std, rewards_, reward_roles_));
  metrics.update(reasoning_metrics(step_groups, reward_roles_, [](const Completion& c) { return c.text; }));
  metrics.update(update);
  metrics[metric::kTimeRollout] = seconds.rollout;
  metrics[metric::kTimeReward] = seconds.reward;
  metrics[metric::kTimeLogprobs] = seconds.logprobs;
  metrics[metric::kTimeUpdate] = seconds.update;
  metrics[metric::kTimeStep] = now_seconds() - step_start;
  auto put_peak = [&](const PhasePeak& peak, const char* host_name, const char* device_name) {
    if (peak.host >= 0) metrics[host_name] = peak.host;
    if (peak.device >= 0) metrics[device_name] = peak.device;
  };
  put_peak(peaks.rollout, metric::kMemoryRollout, metric::kDeviceMemoryRollout);
  put_peak(peaks.logprobs, metric::kMemoryLogprobs, metric::kDeviceMemoryLogprobs);
  put_peak(peaks.update, metric::kMemoryUpdate, metric::kDeviceMemoryUpdate);
  metrics[metric::kElapsed] = elapsed_before_resume_ + now_seconds() - start_time_;
  if (collectives_->is_distributed()) {
    const auto& communication = collectives_->stats();
    metrics["time/allreduce"] = communication.tensor_seconds - communication_before.tensor_seconds;
    metrics["allreduce_bytes"] = communication.tensor_bytes - communication_before.tensor_bytes;
  }
  return metrics;
}

void GrpoTrainer::reset_reference_when_due() {
  if (reference_ && config_.ref_model_sync_steps > 0 && step_ % config_.ref_model_sync_steps == 0) {
    copy_parameters(*policy_, *reference_);
    reference_differs_ = true;
  }
}

int64_t GrpoTrainer::trainable_parameter_count() {
  int64_t count = 0;
  for (const auto& parameter : policy_->parameters()) {
    if (parameter.requires_grad()) count += parameter.numel();
  }
  return count;
}

void GrpoTrainer::compute_reference_logprobs(std::vector<TrainingSequence>& sequences) {
  if (!reference_) {  // LoRA: the base model is the policy without its adapters
    LoraDisabledScope base_model(*policy_);
    compute_completion_logprobs(*policy_, sequences, config_.micro_batch_tokens, config_.temperature,
                                &TrainingSequence::ref_logprobs, config_.logits_chunk_tokens, compute_dtype_);
    return;
  }
  compute_completion_logprobs(*reference_, sequences, config_.micro_batch_tokens, config_.temperature,
                              &TrainingSequence::ref_logprobs, config_.logits_chunk_tokens, compute_dtype_);
}

json GrpoTrainer::update_policy(std::vector<TrainingSequence>& sequences, bool use_rollout_logprobs) {
  const double lr = schedule_.at(step_);
  set_learning_rate(*optimizer_, lr);
  PolicyUpdateSettings settings;
  settings.loss = loss_settings_;
  settings.temperature = config_.temperature;
  settings.num_iterations = config_.num_iterations;
  settings.num_minibatches = config_.num_minibatches;
  settings.micro_batch_tokens = config_.micro_batch_tokens;
  settings.max_grad_norm = config_.max_grad_norm;
  settings.logits_chunk_tokens = config_.logits_chunk_tokens;
  settings.shuffle_seed = config_.seed;
  settings.collectives = collectives_.get();
  settings.routing_replay = config_.use_routing_replay;
  settings.bias_update_speed = config_.moe_bias_update_speed;
  settings.compute_dtype = compute_dtype_;
  settings.rollout_is_cap = config_.rollout_is_cap;
  auto update = grpo::update_policy(*policy_, *optimizer_, sequences, settings, step_, use_rollout_logprobs);
  json metrics = update.to_json();
  metrics[metric::kLearningRate] = lr;
  return metrics;
}

}  // namespace grpo
