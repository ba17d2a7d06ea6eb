#include "trainer/evaluation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "core/error.h"
#include "datasets/box_chain.h"
#include "datasets/field_mapping.h"
#include "distributed/collectives.h"
#include "logs/metric_names.h"
#include "rewards/answer_extraction.h"
#include "rewards/reward_set.h"
#include "rollout/engine.h"
#include "rollout/generation_options.h"
#include "trainer/majority_vote.h"
#include "trainer/prompt_encoding.h"

namespace grpo {

namespace {

namespace metric = logs::metric;

constexpr double kCorrectThreshold = 1.0 - 1e-9;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

// What each problem scored.
struct ProblemOutcome {
  bool greedy_correct = false;
  double format_score = kNaN;  // NaN without a format reward
  double sample_accuracy = kNaN;
  bool any_sample_correct = false;
  bool majority_correct = false;
};

// Sums of outcomes over a set of problems, and their means.
struct OutcomeTotals {
  int64_t n = 0;
  double greedy = 0, format = 0, sample_accuracy = 0, any_correct = 0, majority = 0;

  void add(const ProblemOutcome& outcome) {
    ++n;
    greedy += outcome.greedy_correct;
    format += outcome.format_score;  // stays NaN without a format reward
    sample_accuracy += outcome.sample_accuracy;
    any_correct += outcome.any_sample_correct;
    majority += outcome.majority_correct;
  }
  double mean(double sum) const { return n > 0 ? sum / static_cast<double>(n) : kNaN; }
};

// One rank's share of an evaluation: what each of its problems scored, its greedy tokens, and the examples
// among its problems.
struct ShareOutcome {
  std::vector<ProblemOutcome> outcomes;
  double greedy_tokens = 0;
  std::vector<EvalSample> examples;
  ReasoningTally greedy_reasoning, sampled_reasoning;  // box-stacking problems only
};

// A tally's counts, to gather them from every rank.
nlohmann::json tally_to_json(const ReasoningTally& t) {
  return {t.completions,        t.with_chain,           t.graded_with_chain,
          t.correct_with_chain, t.graded_without_chain, t.correct_without_chain,
          t.chain_steps_right,  t.chain_operations,     t.think_words,
          t.chain_ends_right};
}

ReasoningTally tally_from_json(const nlohmann::json& j) {
  ReasoningTally t;
  t.completions = j.at(0).get<size_t>();
  t.with_chain = j.at(1).get<size_t>();
  t.graded_with_chain = j.at(2).get<size_t>();
  t.correct_with_chain = j.at(3).get<size_t>();
  t.graded_without_chain = j.at(4).get<size_t>();
  t.correct_without_chain = j.at(5).get<size_t>();
  t.chain_steps_right = j.at(6).get<size_t>();
  t.chain_operations = j.at(7).get<size_t>();
  t.think_words = j.at(8).get<double>();
  t.chain_ends_right = j.at(9).get<size_t>();
  return t;
}

nlohmann::json share_to_json(const ShareOutcome& share) {
  nlohmann::json outcomes = nlohmann::json::array(), examples = nlohmann::json::array();
  for (const ProblemOutcome& o : share.outcomes) {
    outcomes.push_back({o.greedy_correct, number_or_null(o.format_score), number_or_null(o.sample_accuracy),
                        o.any_sample_correct, o.majority_correct});
  }
  for (const EvalSample& sample : share.examples) examples.push_back(sample.to_json());
  return {{"outcomes", std::move(outcomes)},
          {"greedy_tokens", share.greedy_tokens},
          {"examples", examples},
          {"reasoning", {tally_to_json(share.greedy_reasoning), tally_to_json(share.sampled_reasoning)}}};
}

double number_or_nan(const nlohmann::json& value) {
  return value.is_null() ? kNaN : value.get<double>();
}

ShareOutcome share_from_json(const nlohmann::json& json) {
  ShareOutcome share;
  for (const auto& o : json.at("outcomes")) {
    share.outcomes.push_back({o.at(0).get<bool>(), number_or_nan(o.at(1)), number_or_nan(o.at(2)),
                              o.at(3).get<bool>(), o.at(4).get<bool>()});
  }
  share.greedy_tokens = json.at("greedy_tokens").get<double>();
  share.greedy_reasoning = tally_from_json(json.at("reasoning").at(0));
  share.sampled_reasoning = tally_from_json(json.at("reasoning").at(1));
  for (const auto& e : json.at("examples")) {
    share.examples.push_back({e.at("id").get<std::string>(), e.at("question").get<std::string>(),
                              e.at("gold").get<std::string>(), e.at("text").get<std::string>(),
                              e.at("correct").get<bool>(), e.at("finish_reason").get<std::string>(),
                              e.at("num_tokens").get<int64_t>()});
  }
  return share;
}

// Every rank's share, in rank order (= problem order), joined into the whole set's.
ShareOutcome gather_shares(const ShareOutcome& mine, distributed::Collectives& collectives) {
  ShareOutcome all;
  for (const std::string& bytes : collectives.all_gather(share_to_json(mine).dump())) {
    ShareOutcome share = share_from_json(nlohmann::json::parse(bytes));
    all.outcomes.insert(all.outcomes.end(), share.outcomes.begin(), share.outcomes.end());
    all.greedy_tokens += share.greedy_tokens;
    all.greedy_reasoning.merge(share.greedy_reasoning);
    all.sampled_reasoning.merge(share.sampled_reasoning);
    all.examples.insert(all.examples.end(), share.examples.begin(), share.examples.end());
  }
  return all;
}

// The scored text and inputs of each completion: prefill + generated text, for the problem's row.
std::vector<RewardInput> reward_inputs(const Tokenizer& tokenizer, const GenerationResult& generated,
                                       const std::vector<Example>& problems,
                                       const std::vector<std::string>& rendered, const std::string& prefill,
                                       const std::vector<int64_t>& prefill_ids) {
  std::vector<RewardInput> inputs;
  inputs.reserve(generated.completions.size());
  for (const Completion& completion : generated.completions) {
    const size_t p = static_cast<size_t>(completion.prompt_index);
    RewardInput input;
    input.prompt = rendered[p];
    input.completion = completion_after_prefill(tokenizer, prefill, completion.token_ids, completion.text);
    input.completion_ids = prefill_ids;
    input.completion_ids.insert(input.completion_ids.end(), completion.token_ids.begin(),
                                completion.token_ids.end());
    input.finish_reason = finish_reason_name(completion.finish_reason);
    input.row = problems[p].row;
    inputs.push_back(std::move(input));
  }
  return inputs;
}

std::vector<bool> correctness_of(RewardSet& correctness, const std::vector<RewardInput>& inputs) {
  ScoredBatch scored = correctness.score(inputs);
  std::vector<bool> correct(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) correct[i] = scored.totals[i] >= kCorrectThreshold;
  return correct;
}

// The problem's value of the breakdown field (null when its row lacks it).
nlohmann::json group_value(const Example& problem, const std::string& field) {
  if (problem.row.is_object() && problem.row.contains(field)) return problem.row.at(field);
  return nullptr;
}

nlohmann::json breakdown_json(const std::vector<Example>& problems,
                              const std::vector<ProblemOutcome>& outcomes, const std::string& field) {
  std::map<nlohmann::json, OutcomeTotals> groups;  // nlohmann's order: numbers by value, strings by text
  bool any_has_field = false;
  for (size_t p = 0; p < problems.size(); ++p) {
    nlohmann::json value = group_value(problems[p], field);
    any_has_field = any_has_field || !value.is_null();
    groups[value].add(outcomes[p]);
  }
  if (!any_has_field) {
    fail(
        "evaluation: group_by_field '{}' is in none of the {} problems' rows (the first row has: {}); name "
        "one "
        "of its fields or leave it empty",
        field, problems.size(), field_names(problems.front().row));
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [value, totals] : groups) {
    list.push_back({{metric::kBreakdownValue, value},
                    {metric::kNumProblems, totals.n},
                    {metric::kGreedyAccuracy, totals.mean(totals.greedy)},
                    {metric::kPassAt1, number_or_null(totals.mean(totals.sample_accuracy))},
                    {metric::kPassAtK, number_or_null(totals.mean(totals.any_correct))},
                    {metric::kMajAtK, number_or_null(totals.mean(totals.majority))},
                    {metric::kEvalFormatRate, number_or_null(totals.mean(totals.format))}});
  }
  return {{metric::kBreakdownField, field}, {metric::kBreakdownGroups, std::move(list)}};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

nlohmann::json EvalSample::to_json() const {
  return {{"id", id},
          {"question", question},
          {"gold", gold},
          {"text", text},
          {"correct", correct},
          {"finish_reason", finish_reason},
          {"num_tokens", num_tokens}};
}

std::string EvalResult::summary() const {
  std::string text = fmt::format("greedy accuracy {:.3f}", greedy_accuracy);
  if (k > 0) text += fmt::format(", pass@1 {:.3f} (mean of {} sample{})", pass_at_1, k, k == 1 ? "" : "s");
  if (k > 1) text += fmt::format(", pass@{} {:.3f}, maj@{} {:.3f}", k, pass_at_k, k, maj_at_k);
  return text +
         fmt::format(", format {:.3f}, length {:.1f} ({} problems)", format_rate, mean_length, n_problems);
}

nlohmann::json EvalResult::to_json() const {
  nlohmann::json samples = nlohmann::json::array();
  for (const EvalSample& sample : examples) samples.push_back(sample.to_json());
  return {{metric::kNumProblems, n_problems},
          {metric::kGreedyAccuracy, number_or_null(greedy_accuracy)},
          {metric::kPassAt1, number_or_null(pass_at_1)},
          {metric::kPassAtK, number_or_null(pass_at_k)},
          {metric::kMajAtK, number_or_null(maj_at_k)},
          {metric::kK, k},
          {metric::kEvalFormatRate, number_or_null(format_rate)},
          {metric::kMeanLengthEval, number_or_null(mean_length)},
          {metric::kPrefill, prefill},
          {metric::kBreakdown, breakdown},
          {metric::kReasoning, reasoning},
          {metric::kExamples, std::move(samples)},
          {metric::kEvalSeconds, seconds}};
}

namespace {

// The greedy and the sampled pass over `share` (problems first .. first + share.size() - 1 of the whole set,
// whose places seed the samples).
ShareOutcome evaluate_share(RolloutEngine& engine, const Tokenizer& tokenizer,
                            const std::vector<Example>& share, int64_t first,
                            const PromptTemplate& prompt_template, RewardSet& correctness, RewardSet* format,
                            const EvalOptions& options) {
  ShareOutcome result;
  result.outcomes.resize(share.size());
  // Prompts: [bos] + template + prefill.
  const std::vector<int64_t> prefill_ids =
      options.prefill.empty() ? std::vector<int64_t>{} : tokenizer.encode(options.prefill);
  std::vector<std::string> rendered;
  std::vector<std::vector<int64_t>> prompts;
  for (const Example& problem : share) {
    rendered.push_back(prompt_template.render(problem));
    std::vector<int64_t> ids = encode_prompt(tokenizer, rendered.back());
    ids.insert(ids.end(), prefill_ids.begin(), prefill_ids.end());
    prompts.push_back(std::move(ids));
  }
  auto generate = [&](int64_t num_samples, const SamplingParams& sampling) {
    GenerationOptions generation = generation_options(num_samples, options.max_new_tokens, sampling,
                                                      options.stop_strings, options.memory, options.seed);
    generation.first_prompt_index = first;
    return prompts.empty() ? GenerationResult{} : engine.generate(prompts, generation);
  };

  // Greedy: accuracy, format rate, length, examples.
  const GenerationResult greedy_result = generate(1, SamplingParams{0.0});  // temperature 0
  const std::vector<RewardInput> greedy_inputs =
      reward_inputs(tokenizer, greedy_result, share, rendered, options.prefill, prefill_ids);
  const std::vector<bool> greedy_correct =
      greedy_inputs.empty() ? std::vector<bool>{} : correctness_of(correctness, greedy_inputs);
  std::vector<double> format_scores(share.size(), kNaN);
  if (format != nullptr && format->size() > 0 && !greedy_inputs.empty())
    format_scores = format->score(greedy_inputs).totals;
  for (size_t i = 0; i < greedy_result.completions.size(); ++i) {
    const Completion& completion = greedy_result.completions[i];
    const size_t p = static_cast<size_t>(completion.prompt_index);
    result.outcomes[p].greedy_correct = greedy_correct[i];
    result.outcomes[p].format_score = format_scores[i];
    result.greedy_tokens += static_cast<double>(completion.token_ids.size());
    if (static_cast<int64_t>(result.examples.size()) < options.num_examples) {
      result.examples.push_back({share[p].id, share[p].question, share[p].answer, greedy_inputs[i].completion,
                                 greedy_correct[i], greedy_inputs[i].finish_reason,
                                 static_cast<int64_t>(completion.token_ids.size())});
    }
  }
  for (size_t i = 0; i < greedy_inputs.size(); ++i) {
    result.greedy_reasoning.add(greedy_inputs[i].completion, greedy_inputs[i].row, greedy_correct[i]);
  }

  // k samples per problem: pass@1, pass@k, maj@k.
  if (options.should_stop && options.should_stop())
    fail("evaluation abandoned after its greedy pass: stop requested");
  if (options.k == 0 || share.empty()) return result;
  SamplingParams sampling;
  sampling.temperature = options.temperature;
  sampling.top_p = options.top_p;
  const GenerationResult sampled_result = generate(options.k, sampling);
  const std::vector<RewardInput> sampled_inputs =
      reward_inputs(tokenizer, sampled_result, share, rendered, options.prefill, prefill_ids);
  const std::vector<bool> sampled_correct = correctness_of(correctness, sampled_inputs);
  // Completions come ordered by (problem, sample): problem p's are [p*k, (p+1)*k).
  const size_t k = static_cast<size_t>(options.k);
  for (size_t p = 0; p < share.size(); ++p) {
    std::vector<std::optional<std::string>> answers(k);
    int64_t correct = 0;
    for (size_t g = 0; g < k; ++g) {
      const size_t i = p * k + g;
      correct += sampled_correct[i];
      if (auto answer = extract_final_answer(sampled_inputs[i].completion))
        answers[g] = std::move(answer->text);
    }
    result.outcomes[p].sample_accuracy = static_cast<double>(correct) / static_cast<double>(k);
    result.outcomes[p].any_sample_correct = correct > 0;
    std::optional<size_t> winner = majority_vote(answers);
    result.outcomes[p].majority_correct = winner && sampled_correct[p * k + *winner];
  }
  for (size_t i = 0; i < sampled_inputs.size(); ++i) {
    result.sampled_reasoning.add(sampled_inputs[i].completion, sampled_inputs[i].row, sampled_correct[i]);
  }
  return result;
}

}  // namespace

EvalResult evaluate(RolloutEngine& engine, const Tokenizer& tokenizer, const std::vector<Example>& problems,
                    const PromptTemplate& prompt_template, RewardSet& correctness, RewardSet* format,
                    const EvalOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (problems.empty()) fail("evaluation: no problems given; the eval set is empty");
  if (correctness.size() == 0) fail("evaluation: no correctness reward given (e.g. accuracy)");
  if (options.k < 0) fail("evaluation: k must be >= 0 (0: greedy only), got {}", options.k);
  if (options.num_examples < 0) fail("evaluation: num_examples must be >= 0, got {}", options.num_examples);

  // This rank's contiguous share of the problems (all of them in one process), then everyone's outcomes.
  distributed::Collectives* collectives =
      options.collectives != nullptr && options.collectives->is_distributed() ? options.collectives : nullptr;
  const size_t ranks = collectives ? static_cast<size_t>(collectives->world_size()) : 1;
  const size_t rank = collectives ? static_cast<size_t>(collectives->rank()) : 0;
  const size_t first = problems.size() * rank / ranks, last = problems.size() * (rank + 1) / ranks;
  const std::vector<Example> share(problems.begin() + static_cast<std::ptrdiff_t>(first),
                                   problems.begin() + static_cast<std::ptrdiff_t>(last));
  ShareOutcome outcome = evaluate_share(engine, tokenizer, share, static_cast<int64_t>(first),
                                        prompt_template, correctness, format, options);
  if (collectives) outcome = gather_shares(outcome, *collectives);

  EvalResult result;
  result.n_problems = static_cast<int64_t>(problems.size());
  result.k = options.k;
  result.prefill = options.prefill;
  result.ranks = static_cast<int64_t>(ranks);
  result.mean_length = outcome.greedy_tokens / static_cast<double>(problems.size());
  outcome.examples.resize(
      std::min(outcome.examples.size(), static_cast<size_t>(options.num_examples)));  // the first problems'
  result.examples = std::move(outcome.examples);
  OutcomeTotals totals;
  for (const ProblemOutcome& problem_outcome : outcome.outcomes) totals.add(problem_outcome);
  result.greedy_accuracy = totals.mean(totals.greedy);
  result.format_rate = totals.mean(totals.format);
  if (options.k > 0) {
    result.pass_at_1 = totals.mean(totals.sample_accuracy);
    result.pass_at_k = totals.mean(totals.any_correct);
    result.maj_at_k = totals.mean(totals.majority);
  }
  if (outcome.greedy_reasoning.completions > 0) {
    result.reasoning = {
        {"greedy", outcome.greedy_reasoning.to_json()},
        {"sampled", options.k > 0 ? outcome.sampled_reasoning.to_json() : nlohmann::json(nullptr)}};
  }
  if (!options.group_by_field.empty()) {
    result.breakdown = breakdown_json(problems, outcome.outcomes, options.group_by_field);
  }
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace grpo
