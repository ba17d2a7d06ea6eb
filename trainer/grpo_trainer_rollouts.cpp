// GrpoTrainer: a step's rollouts. Prompts (cut to max_prompt_length from the left), G completions each,
// scored by the rewards; with dynamic sampling, groups whose rewards are all equal are dropped and refilled.
// With several data-parallel ranks each samples its share of the questions and the groups are gathered.
#include <algorithm>

#include "core/clock.h"
#include "core/error.h"
#include "distributed/collectives.h"
#include "model/mixed_precision.h"
#include "trainer/grpo_trainer.h"
#include "trainer/prompt_encoding.h"
#include "trainer/rollout_group_exchange.h"
#include "trainer/trainer_wiring.h"

namespace grpo {

std::vector<int64_t> GrpoTrainer::prompt_ids_of(const std::string& rendered_prompt, const Example& example) {
  std::vector<int64_t> ids = encode_prompt(*tokenizer_, rendered_prompt);
  ids.insert(ids.end(), prefill_ids_.begin(), prefill_ids_.end());
  const auto limit = static_cast<size_t>(config_.max_prompt_length);
  if (limit > 0 && ids.size() > limit) {
    if (prompts_cut_ == 0) {
      fmt::print(
          stderr,
          "grpo: warning: question {} has a {}-token prompt: prompts longer than max_prompt_length ({}) "
          "lose their start; the count is reported at the end of each step that cut one\n",
          example.id, ids.size(), limit);
    }
    ids.erase(ids.begin(), ids.end() - static_cast<std::ptrdiff_t>(limit));
    ++prompts_cut_;
  }
  const auto context = static_cast<size_t>(policy_->config().max_position_embeddings);
  if (ids.size() >= context) {
    fail(
        "question {}: its prompt has {} tokens, which leaves no room for a completion in the model's context "
        "of {}; set --max-prompt-length below {} (for example {}) to cut long prompts from the left",
        example.id, ids.size(), context, context, context / 2);
  }
  return ids;
}

std::vector<RolloutGroup> GrpoTrainer::sample_groups(std::vector<Example> questions, uint64_t seed,
                                                     int64_t first_question_index) {
  std::vector<RolloutGroup> groups(questions.size());
  std::vector<std::vector<int64_t>> prompts;
  const int64_t cut_before = prompts_cut_;
  for (size_t i = 0; i < questions.size(); ++i) {
    groups[i].example = std::move(questions[i]);
    const std::string rendered = template_.render(groups[i].example);
    groups[i].prompt = rendered + config_.prefill;
    groups[i].prompt_ids = prompt_ids_of(rendered, groups[i].example);
    prompts.push_back(groups[i].prompt_ids);
  }
  if (prompts_cut_ > cut_before) {
    fmt::print(stderr,
               "grpo: warning: step {}: {} prompt{} cut from the left to max_prompt_length {} ({} so far)\n",
               step_ + 1, prompts_cut_ - cut_before, prompts_cut_ - cut_before == 1 ? "" : "s",
               config_.max_prompt_length, prompts_cut_);
  }
  if (prompts.empty()) return groups;
  GenerationOptions options = generation_options_of(config_, seed);
  options.first_prompt_index = first_question_index;  // seeds follow the question's place in the batch
  // --bf16: bf16 forwards and KV cache; the weights cast once for the whole generation.
  const MixedPrecisionScope precision(device_, compute_dtype_, /*cache_weights=*/true);
  auto result = engine_->generate(prompts, options);
  for (auto& completion : result.completions) {
    groups[completion.prompt_index].completions.push_back(std::move(completion));
  }
  return groups;
}

// The text the rewards score: the forced prefix is part of what the model "wrote".
std::string GrpoTrainer::scored_text(const Completion& completion) const {
  return completion_after_prefill(*tokenizer_, config_.prefill, completion.token_ids, completion.text);
}

void GrpoTrainer::score_groups(std::vector<RolloutGroup>& groups) {
  if (groups.empty()) return;
  std::vector<RewardInput> inputs;
  for (const auto& group : groups) {
    for (const auto& completion : group.completions) {
      RewardInput input;
      input.prompt = group.prompt;
      input.completion = scored_text(completion);
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

std::vector<RolloutGroup> GrpoTrainer::collect_groups(PhaseSeconds& seconds, double& frac_zero_std) {
  const int64_t wanted = config_.questions_per_step;
  const auto ranks = static_cast<size_t>(collectives_->world_size()),
             rank = static_cast<size_t>(collectives_->rank());
  std::vector<RolloutGroup> kept;
  int64_t kept_everywhere = 0;
  bool stop = stop_requested();
  for (int64_t round = 0; kept_everywhere < wanted && !stop; ++round) {
    // Every rank reads the same questions (the cursor is global) and samples its share: whole questions.
    auto questions = data_.train->next_batch(static_cast<size_t>(wanted - kept_everywhere));
    if (questions.empty()) break;
    const size_t first = questions.size() * rank / ranks, last = questions.size() * (rank + 1) / ranks;
    std::vector<Example> share(
        std::make_move_iterator(questions.begin() + static_cast<std::ptrdiff_t>(first)),
        std::make_move_iterator(questions.begin() + static_cast<std::ptrdiff_t>(last)));
    const uint64_t seed = config_.seed * 1000003ull + static_cast<uint64_t>(step_) * 1009ull + round;
    const double t0 = now_seconds();
    auto groups = sample_groups(std::move(share), seed, static_cast<int64_t>(first));
    const double t1 = now_seconds();
    score_groups(groups);
    seconds.rollout += t1 - t0;
    seconds.reward += now_seconds() - t1;
    const auto zero = std::count_if(groups.begin(), groups.end(), [](const auto& g) { return g.zero_std(); });
    // Dynamic sampling keeps only groups that teach something, within a bounded number of extra rounds.
    int64_t kept_here = 0;
    for (auto& group : groups) {
      if (!config_.dynamic_sampling || !group.zero_std() || round >= config_.max_resample_rounds) {
        kept.push_back(std::move(group));
        ++kept_here;
      }
    }
    // Counts over the ranks: kept groups, groups with equal rewards, groups, ranks asked to stop.
    std::vector<double> counts{static_cast<double>(kept_here), static_cast<double>(zero),
                               static_cast<double>(groups.size()), stop_requested() ? 1.0 : 0.0};
    collectives_->all_reduce_sum(counts);
    if (round == 0) frac_zero_std = counts[1] / std::max(1.0, counts[2]);
    kept_everywhere += static_cast<int64_t>(counts[0]);
    stop = counts[3] > 0;
    if (!config_.dynamic_sampling) break;
  }
  return kept;
}

std::vector<RolloutGroup> GrpoTrainer::gather_groups(const std::vector<RolloutGroup>& groups,
                                                     size_t& first_of_mine) {
  auto scored = [&](const Completion& c) { return scored_text(c); };
  const auto gathered = collectives_->all_gather(encode_rollout_groups(groups, scored));
  std::vector<RolloutGroup> all;
  first_of_mine = 0;
  for (size_t r = 0; r < gathered.size(); ++r) {
    for (auto& group : decode_rollout_groups(gathered[r])) {
      if (r < static_cast<size_t>(collectives_->rank())) first_of_mine += group.completions.size();
      all.push_back(std::move(group));
    }
  }
  return all;
}

}  // namespace grpo
