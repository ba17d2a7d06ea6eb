#include "trainer/grpo_trainer.h"

#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>

#include "core/error.h"
#include "logs/metric_names.h"
#include "model/device.h"
#include "model/model_dir.h"
#include "rewards/reward_registry.h"
#include "rollout/generation_options.h"
#include "trainer/advantages.h"
#include "trainer/checkpoint.h"
#include "trainer/data_fit.h"
#include "trainer/evaluation.h"
#include "trainer/optimizer.h"
#include "trainer/prompt_encoding.h"

namespace grpo {

namespace fs = std::filesystem;
namespace metric = logs::metric;
using nlohmann::json;

std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

extern "C" void handle_stop_signal(int) { stop_requested().store(true); }

// Installs SIGINT/SIGTERM handlers for the lifetime of train(), restoring the previous ones after.
class StopSignalScope {
 public:
  StopSignalScope() {
    stop_requested().store(false);
    previous_int_ = std::signal(SIGINT, handle_stop_signal);
    previous_term_ = std::signal(SIGTERM, handle_stop_signal);
  }
  ~StopSignalScope() {
    std::signal(SIGINT, previous_int_);
    std::signal(SIGTERM, previous_term_);
  }

 private:
  void (*previous_int_)(int);
  void (*previous_term_)(int);
};

double mean(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double sample_std(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  double m = mean(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

// JSON cannot hold NaN: statistics that do not exist are written as null.
json number_or_null(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

std::vector<std::string> default_rewards(const std::string& task_reward) {
  return {task_reward.empty() ? "accuracy" : task_reward, "format"};
}

}  // namespace

struct GrpoTrainer::Group {
  Example example;
  std::string prompt;
  std::vector<int64_t> prompt_ids;
  std::vector<Completion> completions;            // [G]
  std::vector<double> totals;                     // [G] weighted reward
  std::vector<std::vector<RewardResult>> results; // [R][G]
  bool zero_std() const {
    for (double t : totals) {
      if (t != totals.front()) return false;
    }
    return true;
  }
};

GrpoTrainer::GrpoTrainer(TrainerConfig config, std::string resolved_config_toml)
    : config_(std::move(config)), device_(parse_device(config_.device)) {
  config_.validate();
  start_time_ = now_seconds();

  // Data and prompts.
  DataSettings data_settings;
  data_settings.train = config_.train_data;
  data_settings.eval = config_.eval_data;
  data_settings.eval_size = static_cast<size_t>(std::max<int64_t>(0, config_.eval_size));
  data_settings.seed = config_.seed;
  data_settings.difficulty = config_.difficulty;
  data_settings.load.fields.question_field = config_.question_field;
  data_settings.load.fields.answer_field = config_.answer_field;
  data_settings.load.skip_bad_rows = config_.skip_bad_rows;
  data_ = open_training_data(data_settings);
  template_ = load_prompt_template(config_.prompt_template);

  // Rewards: the task's verifier (or accuracy) and format unless the user names them.
  reward_specs_ = config_.rewards.empty() ? default_rewards(data_.reward_name) : config_.rewards;
  RewardOptions reward_options;
  reward_options.timeout_seconds = config_.reward_timeout;
  reward_options.on_failure =
      config_.reward_failure == "default" ? RewardFailurePolicy::default_score : RewardFailurePolicy::stop;
  reward_options.default_score = config_.reward_default_score;
  rewards_ = RewardSet::from_specs(reward_specs_, config_.reward_weights, reward_options);
  accuracy_index_ = 0;
  for (size_t i = 0; i < rewards_.names().size(); ++i) {
    if (!config_.accuracy_reward.empty() && rewards_.names()[i] == config_.accuracy_reward) accuracy_index_ = i;
    if (rewards_.names()[i] == "format" && format_index_ < 0) format_index_ = static_cast<int>(i);
  }

  // Model, tokenizer, optimiser.
  tokenizer_ = load_tokenizer(config_.model);
  policy_ = load_model(config_.model, device_);
  if (tokenizer_->vocab_size() > policy_->config().vocab_size) {
    fail("the tokenizer of '{}' has {} pieces but the model's vocab_size is {}", config_.model,
         tokenizer_->vocab_size(), policy_->config().vocab_size);
  }
  if (config_.beta > 0) {
    reference_ = load_model(config_.model, device_);
    reference_->eval();
    for (auto& p : reference_->parameters()) p.set_requires_grad(false);
  }
  optimizer_ = make_adamw(*policy_, {config_.learning_rate, config_.adam_beta1, config_.adam_beta2, 1e-8,
                                      config_.weight_decay});
  engine_ = std::make_unique<RolloutEngine>(policy_, tokenizer_.get());
  for (const std::string& warning :
       check_data_fit(*tokenizer_, template_, peek_examples(*data_.train, 64), config_.max_completion_length,
                      policy_->config().max_position_embeddings)) {
    fmt::print(stderr, "grpo: warning: {}\n", warning);
  }

  loss_settings_.loss_type = parse_loss_type(config_.loss_type);
  loss_settings_.importance_level = parse_importance_level(config_.importance_sampling_level);
  loss_settings_.epsilon = config_.epsilon;
  loss_settings_.epsilon_high = config_.epsilon_high > 0 ? config_.epsilon_high : config_.epsilon;
  loss_settings_.beta = config_.beta;
  loss_settings_.max_completion_length = config_.max_completion_length;
  schedule_.learning_rate = config_.learning_rate;
  schedule_.warmup_steps = config_.warmup_steps;
  schedule_.total_steps = config_.max_steps;
  schedule_.kind = parse_schedule(config_.lr_scheduler_type);
  schedule_.min_lr_ratio = config_.min_lr_ratio;

  logs::RolloutLogOptions rollout_log_options;
  rollout_log_options.completions_per_step = config_.log_completions;
  rollout_log_options.seed = config_.seed;
  run_log_ = std::make_unique<logs::RunLogWriter>(config_.output_dir, rollout_log_options);
  if (config_.resume) resume_from_checkpoint();
  run_log_->write_config(resolved_config_toml);

  for (const auto& note : data_.notes) fmt::print(stderr, "grpo: {}\n", note);
  fmt::print(stderr, "grpo: model {} ({:.2f}M parameters) on {}; rewards: {}; run directory {}\n", config_.model,
             static_cast<double>(policy_->config().parameter_count()) / 1e6, device_.str(),
             fmt::join(rewards_.names(), ", "), config_.output_dir);
}

GrpoTrainer::~GrpoTrainer() = default;

void GrpoTrainer::resume_from_checkpoint() {
  auto checkpoint = latest_checkpoint(config_.output_dir);
  if (!checkpoint) {
    fmt::print(stderr, "grpo: --resume: no checkpoint in {}, starting from step 0\n", config_.output_dir);
    return;
  }
  verify_checkpoint(*checkpoint);
  json state = read_trainer_state(*checkpoint);
  auto loaded = load_model(*checkpoint / "model", device_);
  {
    torch::NoGradGuard no_grad;
    auto source = loaded->named_parameters();
    for (auto& item : policy_->named_parameters()) item.value().copy_(source[item.key()]);
  }
  load_optimizer_state(*checkpoint, *optimizer_);
  step_ = state.at("step").get<int64_t>();
  elapsed_before_resume_ = state.value("elapsed", 0.0);
  data_.train->restore(state.at("data_cursor"));
  reference_differs_ = state.value("reference_differs", false);
  if (reference_differs_ && reference_) {
    auto reference = load_model(*checkpoint / "reference", device_);
    torch::NoGradGuard no_grad;
    auto source = reference->named_parameters();
    for (auto& item : reference_->named_parameters()) item.value().copy_(source[item.key()]);
  }
  fmt::print(stderr, "grpo: resumed from {} at step {}\n", checkpoint->string(), step_);
}

void GrpoTrainer::save() {
  CheckpointContents contents;
  contents.policy = policy_.get();
  contents.reference = reference_differs_ && reference_ ? reference_.get() : nullptr;
  contents.optimizer = optimizer_.get();
  contents.source_model = config_.model;
  contents.trainer_state = {{"step", step_},
                            {"data_cursor", data_.train->cursor()},
                            {"seed", config_.seed},
                            {"reference_differs", reference_differs_},
                            {"elapsed", elapsed_before_resume_ + now_seconds() - start_time_}};
  auto path = save_checkpoint(config_.output_dir, step_, contents, config_.save_total_limit);
  fmt::print(stderr, "grpo: checkpoint {}\n", path.string());
}

void GrpoTrainer::train() {
  StopSignalScope signals;
  const bool evaluating = !data_.eval.empty();
  if (evaluating && step_ == 0) evaluate_and_log();
  while (step_ < config_.max_steps) {
    json metrics = train_step();
    if (metrics.is_null()) {
      fmt::print(stderr, "grpo: the training data ran out after step {}\n", step_);
      break;
    }
    last_metrics_ = metrics;
    run_log_->append_metrics(metrics);
    print_step_line(metrics);
    bool last = step_ == config_.max_steps;
    if (evaluating && !last && config_.eval_steps > 0 && step_ % config_.eval_steps == 0) evaluate_and_log();
    if (stop_requested().load()) {
      fmt::print(stderr, "grpo: stop requested: saving a checkpoint at step {} and exiting\n", step_);
      save();
      return;
    }
    if (!last && config_.save_steps > 0 && step_ % config_.save_steps == 0) save();
  }
  if (evaluating) evaluate_and_log();
  save();
  run_log_->rollouts().compress_all();
}

// ---------------------------------------------------------------- one step

std::vector<GrpoTrainer::Group> GrpoTrainer::sample_groups(std::vector<Example> questions, uint64_t seed) {
  std::vector<Group> groups(questions.size());
  std::vector<std::vector<int64_t>> prompts;
  const auto prefill_ids = config_.prefill.empty() ? std::vector<int64_t>{} : tokenizer_->encode(config_.prefill);
  for (size_t i = 0; i < questions.size(); ++i) {
    groups[i].example = std::move(questions[i]);
    groups[i].prompt = template_.render(groups[i].example) + config_.prefill;
    groups[i].prompt_ids = encode_prompt(*tokenizer_, template_.render(groups[i].example));
    groups[i].prompt_ids.insert(groups[i].prompt_ids.end(), prefill_ids.begin(), prefill_ids.end());
    prompts.push_back(groups[i].prompt_ids);
  }
  const SamplingParams sampling{config_.temperature, config_.top_k, config_.top_p, config_.min_p};
  auto result = engine_->generate(prompts, generation_options(config_.num_generations, config_.max_completion_length,
                                                              sampling, config_.stop_strings,
                                                              config_.max_tokens_per_forward, seed));
  for (auto& completion : result.completions) {
    groups[completion.prompt_index].completions.push_back(std::move(completion));
  }
  return groups;
}

void GrpoTrainer::score_groups(std::vector<Group>& groups) {
  std::vector<RewardInput> inputs;
  for (const auto& group : groups) {
    for (const auto& completion : group.completions) {
      RewardInput input;
      input.prompt = group.prompt;
      // The forced prefix is part of what the model "wrote".
      input.completion = completion_after_prefill(*tokenizer_, config_.prefill, completion.token_ids, completion.text);
      input.completion_ids = completion.token_ids;
      input.finish_reason = finish_reason_name(completion.finish_reason);
      input.row = group.example.row;
      inputs.push_back(std::move(input));
    }
  }
  ScoredBatch scored = rewards_.score(inputs);
  size_t offset = 0;
  for (auto& group : groups) {
    const size_t g = group.completions.size();
    group.totals.assign(scored.totals.begin() + offset, scored.totals.begin() + offset + g);
    group.results.assign(scored.results.size(), {});
    for (size_t r = 0; r < scored.results.size(); ++r) {
      group.results[r].assign(scored.results[r].begin() + offset, scored.results[r].begin() + offset + g);
    }
    offset += g;
  }
}

std::vector<GrpoTrainer::Group> GrpoTrainer::collect_groups(double& rollout_seconds, double& reward_seconds,
                                                            double& frac_zero_std) {
  const size_t wanted = static_cast<size_t>(config_.questions_per_step);
  std::vector<Group> kept;
  int64_t round = 0;
  while (kept.size() < wanted) {
    auto questions = data_.train->next_batch(wanted - kept.size());
    if (questions.empty()) break;
    const uint64_t seed = config_.seed * 1000003ull + static_cast<uint64_t>(step_) * 1009ull + round;
    double t0 = now_seconds();
    auto groups = sample_groups(std::move(questions), seed);
    double t1 = now_seconds();
    score_groups(groups);
    rollout_seconds += t1 - t0;
    reward_seconds += now_seconds() - t1;
    size_t zero = 0;
    for (auto& group : groups) {
      zero += group.zero_std();
      // Dynamic sampling keeps only groups that teach something, within a bounded number of extra rounds.
      if (!config_.dynamic_sampling || !group.zero_std() || round >= config_.max_resample_rounds) {
        kept.push_back(std::move(group));
      }
    }
    if (round == 0) frac_zero_std = static_cast<double>(zero) / static_cast<double>(std::max<size_t>(1, groups.size()));
    if (!config_.dynamic_sampling) break;
    ++round;
  }
  return kept;
}

void GrpoTrainer::compute_reference_logprobs(std::vector<TrainingSequence>& sequences) {
  c10::InferenceMode inference;
  std::vector<size_t> rows(sequences.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  for (const auto& micro_rows : split_by_token_budget(sequences, rows, config_.micro_batch_tokens)) {
    MicroBatch batch = make_micro_batch(sequences, micro_rows, device_);
    auto hidden = reference_->hidden_states(batch.input_ids, batch.positions, batch.attention_mask);
    auto logprobs = token_logprobs(*reference_, hidden, batch.targets, batch.completion_positions, config_.temperature);
    gather_completion_values(sequences, batch, logprobs, &TrainingSequence::ref_logprobs);
  }
}

json GrpoTrainer::update_policy(std::vector<TrainingSequence>& sequences, bool use_rollout_logprobs) {
  policy_->train();
  const double lr = schedule_.at(step_);
  set_learning_rate(*optimizer_, lr);
  std::vector<size_t> order(sequences.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const size_t minibatch_count = static_cast<size_t>(config_.num_minibatches);
  double masked_tokens = 0, kl_sum = 0, low_sum = 0, high_sum = 0, entropy_sum = 0, entropy_tokens = 0;
  double grad_norm_sum = 0, loss_sum = 0;
  int64_t optimizer_steps = 0, tokens_trained = 0;
  for (int64_t iteration = 0; iteration < config_.num_iterations; ++iteration) {
    for (size_t m = 0; m < minibatch_count; ++m) {
      size_t first = order.size() * m / minibatch_count, last = order.size() * (m + 1) / minibatch_count;
      std::vector<size_t> minibatch(order.begin() + first, order.begin() + last);
      auto micro_batches = split_by_token_budget(sequences, minibatch, config_.micro_batch_tokens);
      MinibatchTotals totals;
      totals.sequences = static_cast<double>(minibatch.size());
      totals.micro_batches = static_cast<double>(micro_batches.size());
      for (size_t row : minibatch) {
        if (!sequences[row].loss_masked) totals.completion_tokens += static_cast<double>(sequences[row].completion_ids.size());
      }
      optimizer_->zero_grad();
      double minibatch_loss = 0;
      for (const auto& micro_rows : micro_batches) {
        MicroBatch batch = make_micro_batch(sequences, micro_rows, device_);
        auto hidden = policy_->hidden_states(batch.input_ids, batch.positions, batch.attention_mask);  // [b, L, D]
        torch::Tensor entropy;
        auto logprobs = token_logprobs(*policy_, hidden, batch.targets, batch.completion_positions,
                                       config_.temperature, &entropy);  // [b, L]
        LossInputs inputs;
        inputs.logprobs = logprobs;
        // With one pass and one minibatch the sampling policy is the current one: ratio 1, gradient intact.
        inputs.old_logprobs = use_rollout_logprobs
                                  ? scatter_completion_values(sequences, batch, &TrainingSequence::old_logprobs)
                                  : logprobs.detach();
        if (config_.beta > 0) {
          inputs.ref_logprobs = scatter_completion_values(sequences, batch, &TrainingSequence::ref_logprobs);
        }
        inputs.advantages = batch.advantages;
        inputs.mask = batch.loss_mask;
        LossOutput out = grpo_loss(inputs, loss_settings_, totals);
        double loss_value = out.loss.item<double>();
        if (!std::isfinite(loss_value)) {
          fail("step {}: the loss is {} (not finite); stopping without writing a checkpoint (the last one is "
               "intact). Lower learning_rate or check the rewards",
               step_ + 1, loss_value);
        }
        out.loss.backward();
        minibatch_loss += loss_value;
        masked_tokens += out.masked_tokens;
        kl_sum += out.kl_sum;
        low_sum += out.clipped_low_sum;
        high_sum += out.clipped_high_sum;
        entropy_sum += (entropy * batch.loss_mask).sum().item<double>();
        entropy_tokens += batch.loss_mask.sum().item<double>();
        tokens_trained += batch.attention_mask.sum().item<int64_t>();
      }
      double max_norm = config_.max_grad_norm > 0 ? config_.max_grad_norm : std::numeric_limits<double>::infinity();
      double grad_norm = torch::nn::utils::clip_grad_norm_(policy_->parameters(), max_norm);
      if (!std::isfinite(grad_norm)) {
        fail("step {}: the gradient norm is {} (not finite); stopping without writing a checkpoint. Lower "
             "learning_rate",
             step_ + 1, grad_norm);
      }
      optimizer_->step();
      grad_norm_sum += grad_norm;
      loss_sum += minibatch_loss;
      ++optimizer_steps;
    }
  }
  optimizer_->zero_grad();
  policy_->eval();
  auto per_token = [&](double sum) { return masked_tokens > 0 ? sum / masked_tokens : 0.0; };
  return {{"loss", loss_sum / std::max<int64_t>(1, optimizer_steps)},
          {metric::kKl, per_token(kl_sum)},
          {metric::kEntropy, entropy_tokens > 0 ? entropy_sum / entropy_tokens : 0.0},
          {metric::kClipLowMean, per_token(low_sum)},
          {metric::kClipHighMean, per_token(high_sum)},
          {metric::kClipRegionMean, per_token(low_sum + high_sum)},
          {metric::kGradNorm, grad_norm_sum / std::max<int64_t>(1, optimizer_steps)},
          {metric::kLearningRate, lr},
          {metric::kTokensTrained, tokens_trained}};
}

json GrpoTrainer::train_step() {
  const double step_start = now_seconds();
  double rollout_seconds = 0, reward_seconds = 0, logprob_seconds = 0, frac_zero_std = 0;

  // 1. A batch of questions, G completions each, scored by the rewards.
  std::vector<Group> groups = collect_groups(rollout_seconds, reward_seconds, frac_zero_std);
  if (groups.empty()) return nullptr;

  // 2. Group-relative advantages.
  std::vector<double> totals;
  for (const auto& group : groups) totals.insert(totals.end(), group.totals.begin(), group.totals.end());
  Advantages advantages =
      compute_advantages(totals, config_.num_generations, parse_advantage_scaling(config_.scale_rewards));

  // 3. Sequences to learn from, with the sampling policy's log-probs (the rollout's own, same definition) and the
  //    reference model's when beta > 0.
  std::vector<TrainingSequence> sequences;
  for (const auto& group : groups) {
    for (const auto& completion : group.completions) {
      TrainingSequence sequence;
      sequence.prompt_ids = group.prompt_ids;
      sequence.completion_ids = completion.token_ids;
      sequence.advantage = advantages.values[sequences.size()];
      sequence.loss_masked =
          config_.mask_truncated_completions && completion.finish_reason == FinishReason::kLength;
      sequence.old_logprobs = completion.logprobs;
      sequences.push_back(std::move(sequence));
    }
  }
  const bool reuse_rollouts = config_.num_iterations > 1 || config_.num_minibatches > 1;
  if (config_.beta > 0) {
    double t0 = now_seconds();
    compute_reference_logprobs(sequences);
    logprob_seconds += now_seconds() - t0;
  }

  // 4. mu passes of minibatch updates with the clipped objective; gradient clipping; AdamW and the schedule.
  double update_start = now_seconds();
  json update = update_policy(sequences, reuse_rollouts);
  double update_seconds = now_seconds() - update_start;
  ++step_;
  if (reference_ && config_.ref_model_sync_steps > 0 && step_ % config_.ref_model_sync_steps == 0) {
    torch::NoGradGuard no_grad;
    auto source = policy_->named_parameters();
    for (auto& item : reference_->named_parameters()) item.value().copy_(source[item.key()]);
    reference_differs_ = true;
  }

  // 5. Metrics and the completions log.
  std::vector<double> lengths;
  int64_t truncated = 0, generated = 0;
  std::vector<logs::RolloutRecord> records;
  size_t index = 0;
  for (size_t q = 0; q < groups.size(); ++q) {
    const auto& group = groups[q];
    for (size_t g = 0; g < group.completions.size(); ++g, ++index) {
      const auto& completion = group.completions[g];
      lengths.push_back(static_cast<double>(completion.token_ids.size()));
      truncated += completion.finish_reason == FinishReason::kLength;
      generated += static_cast<int64_t>(completion.token_ids.size());
      logs::RolloutRecord record;
      record.question_id = group.example.id;
      record.question = group.example.question;
      record.gold = group.example.answer;
      record.group = static_cast<int>(q);
      record.sample = static_cast<int>(g);
      record.completion =
          completion_after_prefill(*tokenizer_, config_.prefill, completion.token_ids, completion.text);
      for (size_t r = 0; r < group.results.size(); ++r) {
        record.rewards.push_back({rewards_.names()[r], group.results[r][g].score, group.results[r][g].reason});
      }
      record.reward = group.totals[g];
      record.advantage = advantages.values[index];
      record.length = static_cast<int64_t>(completion.token_ids.size());
      record.finish_reason = finish_reason_name(completion.finish_reason);
      records.push_back(std::move(record));
    }
  }
  run_log_->write_rollouts(step_, records);

  json metrics = {{metric::kStep, step_},
                  {metric::kReward, mean(totals)},
                  {metric::kRewardStd, sample_std(totals)},
                  {metric::kFracRewardZeroStd, frac_zero_std},
                  {metric::kMeanLength, mean(lengths)},
                  {metric::kMinLength, *std::min_element(lengths.begin(), lengths.end())},
                  {metric::kMaxLength, *std::max_element(lengths.begin(), lengths.end())},
                  {metric::kClippedRatio, static_cast<double>(truncated) / static_cast<double>(lengths.size())},
                  {metric::kNumTokens, generated}};
  for (size_t r = 0; r < rewards_.size(); ++r) {
    std::vector<RewardResult> all;
    for (const auto& group : groups) all.insert(all.end(), group.results[r].begin(), group.results[r].end());
    auto stats = summarize_results(rewards_.names()[r], rewards_.weights()[r], all);
    metrics[metric::reward_mean(stats.name)] = number_or_null(stats.mean);
    metrics[metric::reward_std(stats.name)] = number_or_null(stats.std);
    if (r == accuracy_index_) metrics[metric::kAccuracy] = number_or_null(stats.mean);
    if (static_cast<int>(r) == format_index_) metrics[metric::kFormatRate] = number_or_null(stats.mean);
  }
  metrics.update(update);
  metrics[metric::kTimeRollout] = rollout_seconds;
  metrics[metric::kTimeReward] = reward_seconds;
  metrics[metric::kTimeLogprobs] = logprob_seconds;
  metrics[metric::kTimeUpdate] = update_seconds;
  metrics[metric::kTimeStep] = now_seconds() - step_start;
  metrics[metric::kElapsed] = elapsed_before_resume_ + now_seconds() - start_time_;
  return metrics;
}

// ---------------------------------------------------------------- evaluation and console

void GrpoTrainer::evaluate_and_log() {
  EvalOptions options;
  options.k = config_.eval_k;
  options.temperature = config_.temperature > 0 ? config_.temperature : 1.0;
  options.max_new_tokens = config_.max_completion_length;
  options.stop_strings = config_.stop_strings;
  options.max_tokens_per_forward = config_.max_tokens_per_forward;
  options.seed = config_.seed + 7919;
  options.prefill = config_.prefill;
  options.group_by_field = config_.eval_group_by;
  RewardSet correctness;
  correctness.add(make_reward(reward_specs_[accuracy_index_]));
  RewardSet format;
  format.add(make_reward("format"));
  policy_->eval();
  EvalResult result = evaluate(*engine_, *tokenizer_, data_.eval, template_, correctness, &format, options);
  json line = result.to_json();
  line["step"] = step_;
  run_log_->append_eval(line);
  fmt::print(stderr, "grpo: eval at step {}: {}\n", step_, result.summary());
}

void GrpoTrainer::print_step_line(const json& m) const {
  const double step_seconds = m.value(metric::kTimeStep, 0.0);
  const int64_t remaining = config_.max_steps - step_;
  const double eta = step_seconds * static_cast<double>(remaining);
  auto value = [&](const char* key) { return m.contains(key) && m[key].is_number() ? m[key].get<double>() : NAN; };
  std::string line = fmt::format(
      "step {}/{} | reward {:.3f} ± {:.3f} | acc {:.3f} | fmt {:.3f} | len {:.1f} | kl {:.4f} | clip {:.3f} | "
      "gnorm {:.3f} | lr {:.2e} | {:.2f} s/step (rollout {:.2f}, update {:.2f}) | ETA {:.0f}m{:02.0f}s",
      step_, config_.max_steps, value(metric::kReward), value(metric::kRewardStd), value(metric::kAccuracy),
      value(metric::kFormatRate), value(metric::kMeanLength), value(metric::kKl), value(metric::kClipRegionMean),
      value(metric::kGradNorm), value(metric::kLearningRate), step_seconds, value(metric::kTimeRollout),
      value(metric::kTimeUpdate), std::floor(eta / 60), std::fmod(eta, 60.0));
  if (isatty(fileno(stderr))) {
    const int width = 20;
    int filled = static_cast<int>(width * step_ / std::max<int64_t>(1, config_.max_steps));
    line = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] " + line;
  }
  fmt::print(stderr, "{}\n", line);
}

}  // namespace grpo
