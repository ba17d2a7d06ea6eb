// evaluate() on a tiny random model against metrics recomputed here from the engine's own completions, scored
// with the rewards directly; majority voting on hand-built answers; prefills, breakdowns, options and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "datasets/box_world.h"
#include "datasets/prompt_template.h"
#include "evaluation_fixture.h"
#include "rewards/accuracy_reward.h"
#include "rewards/answer_extraction.h"
#include "rewards/format_reward.h"
#include "rewards/reward_set.h"
#include "rollout/engine.h"
#include "trainer/evaluation.h"
#include "trainer/majority_vote.h"
#include "trainer/prompt_encoding.h"

namespace grpo {
namespace {

using testing::tiny_model_directory;

// Problems whose gold alternates between "42" and "7", with a "steps" field cycling 0, 1, 2.
std::vector<Example> alternating_problems(size_t count) {
  std::vector<Example> problems;
  for (size_t i = 0; i < count; ++i) {
    Example example;
    example.id = "test:" + std::to_string(i);
    example.question = "how many books are there on the " + std::to_string(i + 1) + " stack";
    example.answer = i % 2 == 0 ? "42" : "7";
    example.row = {{"question", example.question}, {"answer", example.answer}, {"steps", i % 3}};
    problems.push_back(std::move(example));
  }
  return problems;
}

// A user's reward of the kind the trainer plugs in: 1 when the completion text has an even number of bytes.
// On random text it is right about half the time, so samples of one problem disagree.
class EvenLengthReward : public RewardFunction {
 public:
  std::string name() const override { return "even_length"; }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override {
    std::vector<RewardResult> results;
    for (const auto& input : batch) results.push_back({input.completion.size() % 2 == 0 ? 1.0 : 0.0, ""});
    return results;
  }
};

// The prompts evaluate() is documented to build: [bos] + template + prefill.
std::vector<std::vector<int64_t>> expected_prompts(const std::vector<Example>& problems,
                                                   const PromptTemplate& prompt_template,
                                                   const std::string& prefill) {
  const Tokenizer& tokenizer = *tiny_model_directory().tokenizer;
  std::vector<std::vector<int64_t>> prompts;
  for (const auto& problem : problems) {
    auto ids = encode_prompt(tokenizer, prompt_template.render(problem));
    if (!prefill.empty()) {
      auto prefill_ids = tokenizer.encode(prefill);
      ids.insert(ids.end(), prefill_ids.begin(), prefill_ids.end());
    }
    prompts.push_back(std::move(ids));
  }
  return prompts;
}

GenerationOptions generation_options(const EvalOptions& options, int64_t samples, double temperature) {
  GenerationOptions generation;
  generation.num_samples = samples;
  generation.max_new_tokens = options.max_new_tokens;
  generation.stop_strings = options.stop_strings;
  generation.seed = options.seed;
  generation.sampling.temperature = temperature;
  generation.sampling.top_p = options.top_p;
  return generation;
}

// Scores each completion with `reward` alone, on prefill + text, for its problem's row.
std::vector<double> score_directly(RewardFunction& reward, const GenerationResult& generated,
                                   const std::vector<Example>& problems,
                                   const PromptTemplate& prompt_template, const std::string& prefill) {
  std::vector<RewardInput> inputs;
  for (const auto& completion : generated.completions) {
    const auto& problem = problems[static_cast<size_t>(completion.prompt_index)];
    RewardInput input;
    input.prompt = prompt_template.render(problem);
    input.completion = completion_after_prefill(*tiny_model_directory().tokenizer, prefill,
                                                completion.token_ids, completion.text);
    input.completion_ids = completion.token_ids;
    input.finish_reason = finish_reason_name(completion.finish_reason);
    input.row = problem.row;
    inputs.push_back(std::move(input));
  }
  std::vector<double> scores;
  for (const auto& result : reward.score(inputs)) scores.push_back(result.score.value_or(0.0));
  return scores;
}

struct SampledMetrics {
  double mean_accuracy = 0, pass_at_k = 0, maj_at_k = 0;
};

SampledMetrics sampled_metrics(const GenerationResult& generated, const std::vector<double>& scores,
                               const std::string& prefill, size_t problems, size_t k) {
  SampledMetrics metrics;
  for (size_t p = 0; p < problems; ++p) {
    double correct = 0;
    std::vector<std::optional<std::string>> answers;
    for (size_t g = 0; g < k; ++g) {
      const auto& completion = generated.completions[p * k + g];
      EXPECT_EQ(completion.prompt_index, static_cast<int64_t>(p));
      correct += scores[p * k + g];
      auto answer = extract_final_answer(completion_after_prefill(*tiny_model_directory().tokenizer, prefill,
                                                                  completion.token_ids, completion.text));
      answers.push_back(answer ? std::optional<std::string>(answer->text) : std::nullopt);
    }
    metrics.mean_accuracy += correct / static_cast<double>(k) / static_cast<double>(problems);
    metrics.pass_at_k += (correct > 0 ? 1.0 : 0.0) / static_cast<double>(problems);
    auto winner = majority_vote(answers);
    metrics.maj_at_k +=
        (winner && scores[p * k + *winner] == 1.0 ? 1.0 : 0.0) / static_cast<double>(problems);
  }
  return metrics;
}

TEST(MajorityVote, EqualAnswersVoteTogetherAndTiesGoToTheFirstSeen) {
  using Answers = std::vector<std::optional<std::string>>;
  // "42", "42.0" and "$42" are one answer with three votes against two for 7.
  EXPECT_EQ(majority_vote(Answers{"7", "42", "7", "42.0", "$42"}), std::optional<size_t>(1));
  // Two votes each: the answer seen first wins, represented by its first completion.
  EXPECT_EQ(majority_vote(Answers{std::nullopt, "7", "42", "42.0", "7.0"}), std::optional<size_t>(1));
  EXPECT_EQ(majority_vote(Answers{"42", "7", "7.00", "42"}), std::optional<size_t>(0));
  // Fractions and decimals of the same value, LaTeX or not.
  EXPECT_EQ(majority_vote(Answers{"3", "\\frac{1}{2}", "0.5", "1/2"}), std::optional<size_t>(1));
  // Completions without an answer (none, or blank) do not vote.
  EXPECT_EQ(majority_vote(Answers{std::nullopt, " ", "", "x = 5"}), std::optional<size_t>(3));
  EXPECT_EQ(majority_vote(Answers{std::nullopt, "  "}), std::nullopt);
  EXPECT_EQ(majority_vote(Answers{}), std::nullopt);
  // Text answers vote by their canonical form (case of a single word, spacing).
  EXPECT_EQ(majority_vote(Answers{"red", "Blue", "blue", "red green"}), std::optional<size_t>(1));
}

TEST(PromptEncoding, BosThenTheEncodedText) {
  const Tokenizer& tokenizer = *tiny_model_directory().tokenizer;
  ASSERT_GE(tokenizer.bos_id(), 0);
  const std::string text = "how many books are there";
  const auto ids = encode_prompt(tokenizer, text);
  const auto encoded = tokenizer.encode(text);
  ASSERT_EQ(ids.size(), encoded.size() + 1);
  EXPECT_EQ(ids.front(), tokenizer.bos_id());
  EXPECT_EQ(std::vector<int64_t>(ids.begin() + 1, ids.end()), encoded);
}

TEST(Evaluation, PrefilledAnswerIsScoredAndMetricsMatchDirectScoring) {
  const auto& tiny = tiny_model_directory();
  RolloutEngine engine(tiny.model, tiny.tokenizer.get());
  const auto problems = alternating_problems(6);
  const PromptTemplate prompt_template = builtin_template("r1");
  EvalOptions options;
  options.k = 3;
  options.max_new_tokens = 6;
  options.prefill = "<answer>42</answer>";
  options.seed = 99;
  RewardSet correctness = RewardSet::from_specs({"accuracy"});
  RewardSet format = RewardSet::from_specs({"format"});

  const EvalResult result =
      evaluate(engine, *tiny.tokenizer, problems, prompt_template, correctness, &format, options);

  // Independently: the same prompts through the engine, each completion scored with the reward directly.
  const auto prompts = expected_prompts(problems, prompt_template, options.prefill);
  AccuracyReward accuracy;
  const auto greedy = engine.generate(prompts, generation_options(options, 1, 0.0));
  const auto greedy_scores = score_directly(accuracy, greedy, problems, prompt_template, options.prefill);
  double greedy_accuracy = 0, greedy_length = 0;
  for (size_t i = 0; i < greedy_scores.size(); ++i) {
    greedy_accuracy += greedy_scores[i] / static_cast<double>(problems.size());
    greedy_length +=
        static_cast<double>(greedy.completions[i].token_ids.size()) / static_cast<double>(problems.size());
  }
  EXPECT_EQ(result.n_problems, 6);
  EXPECT_EQ(result.k, 3);
  EXPECT_DOUBLE_EQ(result.greedy_accuracy, greedy_accuracy);
  EXPECT_DOUBLE_EQ(result.mean_length, greedy_length);
  // The forced "<answer>42</answer>" is part of the scored text: the three problems whose gold is 42 are
  // right.
  EXPECT_DOUBLE_EQ(result.greedy_accuracy, 0.5);
  EXPECT_DOUBLE_EQ(result.format_rate, 0.0);  // no <think> block: strict format fails everywhere

  const auto sampled = engine.generate(prompts, generation_options(options, 3, options.temperature));
  const auto sampled_scores = score_directly(accuracy, sampled, problems, prompt_template, options.prefill);
  const SampledMetrics expected =
      sampled_metrics(sampled, sampled_scores, options.prefill, problems.size(), 3);
  EXPECT_DOUBLE_EQ(result.pass_at_1, expected.mean_accuracy);
  EXPECT_DOUBLE_EQ(result.pass_at_k, expected.pass_at_k);
  EXPECT_DOUBLE_EQ(result.maj_at_k, expected.maj_at_k);
  EXPECT_DOUBLE_EQ(result.maj_at_k, 0.5);  // every sample votes 42

  ASSERT_EQ(result.examples.size(), 3u);
  for (size_t i = 0; i < result.examples.size(); ++i) {
    const auto& sample = result.examples[i];
    EXPECT_EQ(sample.id, problems[i].id);
    EXPECT_EQ(sample.gold, problems[i].answer);
    EXPECT_EQ(sample.text,
              completion_after_prefill(*tiny_model_directory().tokenizer, options.prefill,
                                       greedy.completions[i].token_ids, greedy.completions[i].text));
    EXPECT_EQ(sample.correct, greedy_scores[i] == 1.0);
  }
  EXPECT_EQ(result.prefill, options.prefill);
}

TEST(Evaluation, SampledMetricsWithAUserRewardAndThinkPrefillCountsTowardFormat) {
  const auto& tiny = tiny_model_directory();
  RolloutEngine engine(tiny.model, tiny.tokenizer.get());
  const auto problems = alternating_problems(8);
  const PromptTemplate prompt_template = builtin_template("plain");
  EvalOptions options;
  options.k = 4;
  options.max_new_tokens = 12;
  options.temperature = 1.0;
  options.top_p = 0.95;
  options.stop_strings = {};
  options.prefill = "<think>";
  RewardSet correctness;
  correctness.add(std::make_unique<EvenLengthReward>());
  RewardSet format = RewardSet::from_specs({"tag_count"});

  const EvalResult result =
      evaluate(engine, *tiny.tokenizer, problems, prompt_template, correctness, &format, options);

  const auto prompts = expected_prompts(problems, prompt_template, options.prefill);
  EvenLengthReward even;
  TagCountReward tags;
  const auto greedy = engine.generate(prompts, generation_options(options, 1, 0.0));
  const auto greedy_scores = score_directly(even, greedy, problems, prompt_template, options.prefill);
  const auto tag_scores = score_directly(tags, greedy, problems, prompt_template, options.prefill);
  double greedy_accuracy = 0, tag_rate = 0;
  for (size_t i = 0; i < problems.size(); ++i) {
    greedy_accuracy += greedy_scores[i] / static_cast<double>(problems.size());
    tag_rate += tag_scores[i] / static_cast<double>(problems.size());
  }
  EXPECT_DOUBLE_EQ(result.greedy_accuracy, greedy_accuracy);
  // The format reward saw prefill + text, as the scored examples show.
  EXPECT_DOUBLE_EQ(result.format_rate, tag_rate);
  for (const auto& sample : result.examples) EXPECT_EQ(sample.text.rfind("<think>", 0), 0u) << sample.text;

  const auto sampled = engine.generate(prompts, generation_options(options, 4, options.temperature));
  const auto sampled_scores = score_directly(even, sampled, problems, prompt_template, options.prefill);
  const SampledMetrics expected =
      sampled_metrics(sampled, sampled_scores, options.prefill, problems.size(), 4);
  EXPECT_DOUBLE_EQ(result.pass_at_1, expected.mean_accuracy);
  EXPECT_DOUBLE_EQ(result.pass_at_k, expected.pass_at_k);
  EXPECT_DOUBLE_EQ(result.maj_at_k, expected.maj_at_k);
  EXPECT_GE(result.pass_at_k, result.pass_at_1);
  EXPECT_GE(result.pass_at_1, 0.0);
  EXPECT_LE(result.pass_at_k, 1.0);
  // Random text has both parities, so the metric is informative here (not all 0 or all 1).
  EXPECT_GT(expected.mean_accuracy, 0.0);
  EXPECT_LT(expected.mean_accuracy, 1.0);
}

TEST(Evaluation, BreakdownGroupsByTheRowFieldInValueOrder) {
  const auto& tiny = tiny_model_directory();
  RolloutEngine engine(tiny.model, tiny.tokenizer.get());
  auto problems = alternating_problems(6);  // steps: 0 1 2 0 1 2; gold: 42 7 42 7 42 7
  problems[5].row.erase("steps");
  EvalOptions options;
  options.k = 2;
  options.max_new_tokens = 4;
  options.prefill = "<answer>42</answer>";
  options.group_by_field = "steps";
  RewardSet correctness = RewardSet::from_specs({"accuracy"});
  const EvalResult result =
      evaluate(engine, *tiny.tokenizer, problems, builtin_template("plain"), correctness, nullptr, options);

  ASSERT_TRUE(result.breakdown.is_object()) << result.breakdown.dump();
  EXPECT_EQ(result.breakdown["field"], "steps");
  const auto& groups = result.breakdown["groups"];
  ASSERT_EQ(groups.size(), 4u) << groups.dump();
  // null (the row without the field) sorts first, then 0, 1, 2.
  EXPECT_TRUE(groups[0]["value"].is_null());
  EXPECT_EQ(groups[0]["n_problems"], 1);
  EXPECT_EQ(groups[0]["greedy_accuracy"], 0.0);  // gold 7
  EXPECT_EQ(groups[1]["value"], 0);
  EXPECT_EQ(groups[1]["n_problems"], 2);
  EXPECT_EQ(groups[1]["greedy_accuracy"], 0.5);  // golds 42, 7
  EXPECT_EQ(groups[2]["value"], 1);
  EXPECT_EQ(groups[2]["greedy_accuracy"], 0.5);  // golds 7, 42
  EXPECT_EQ(groups[3]["value"], 2);
  EXPECT_EQ(groups[3]["n_problems"], 1);
  EXPECT_EQ(groups[3]["greedy_accuracy"], 1.0);  // gold 42
  EXPECT_TRUE(groups[3]["format_rate"].is_null());
  EXPECT_TRUE(std::isnan(result.format_rate));  // no format reward given

  options.group_by_field = "num_ops";
  EXPECT_THROW(
      evaluate(engine, *tiny.tokenizer, problems, builtin_template("plain"), correctness, nullptr, options),
      Error);
}

TEST(Evaluation, GreedyOnlyLeavesSampledMetricsNullInJson) {
  const auto& tiny = tiny_model_directory();
  RolloutEngine engine(tiny.model, tiny.tokenizer.get());
  const auto problems = alternating_problems(2);
  EvalOptions options;
  options.k = 0;
  options.max_new_tokens = 3;
  options.num_examples = 1;
  RewardSet correctness = RewardSet::from_specs({"accuracy"});
  const EvalResult result =
      evaluate(engine, *tiny.tokenizer, problems, builtin_template("plain"), correctness, nullptr, options);
  EXPECT_TRUE(std::isnan(result.pass_at_1));
  const auto json = result.to_json();
  EXPECT_EQ(json["n_problems"], 2);
  EXPECT_EQ(json["k"], 0);
  EXPECT_EQ(json["greedy_accuracy"], result.greedy_accuracy);
  EXPECT_TRUE(json["pass@1"].is_null());
  EXPECT_TRUE(json["pass@k"].is_null());
  EXPECT_TRUE(json["maj@k"].is_null());
  EXPECT_TRUE(json["format_rate"].is_null());
  EXPECT_TRUE(json["breakdown"].is_null());
  EXPECT_TRUE(json["reasoning"].is_null()) << "no box-stacking problems, no reasoning figures";
  ASSERT_EQ(json["examples"].size(), 1u);
  EXPECT_EQ(json["examples"][0]["id"], problems[0].id);
  EXPECT_EQ(json["examples"][0]["gold"], "42");
}

// Box-stacking rows: a forced think block with one step (datasets/box_chain.h) makes every completion hold a
// chain; the step's stack is right for the problems whose first stack it names, the answer for those whose
// gold it names. One new token cannot open another think or answer block.
TEST(Evaluation, ReasoningFiguresOfBoxStackingProblemsCountForcedChains) {
  const auto& tiny = tiny_model_directory();
  RolloutEngine engine(tiny.model, tiny.tokenizer.get());
  std::vector<Example> problems;
  for (size_t i = 0; i < 4; ++i) {
    Example example;
    example.id = "box:" + std::to_string(i);
    example.question = "the stack is red blue green . remove red . what is the stack ?";
    example.answer = i % 2 == 0 ? "blue green" : "red";
    example.row = {
        {"question", example.question},
        {"answer", example.answer},
        {"stacks", nlohmann::json::array({i % 2 == 0 ? BoxStack{"blue", "green"} : BoxStack{"red"}})}};
    problems.push_back(std::move(example));
  }
  EvalOptions options;
  options.k = 2;
  options.max_new_tokens = 1;
  options.prefill =
      "<think> remove red . now the stack is blue green . </think> <answer> blue green </answer>";
  RewardSet correctness = RewardSet::from_specs({"accuracy"});
  const EvalResult result =
      evaluate(engine, *tiny.tokenizer, problems, builtin_template("plain"), correctness, nullptr, options);
  ASSERT_TRUE(result.reasoning.is_object()) << result.reasoning.dump();
  for (const char* pass : {"greedy", "sampled"}) {
    const auto& figures = result.reasoning[pass];
    EXPECT_DOUBLE_EQ(figures["reasoning/chain_share"].get<double>(), 1.0) << pass;
    EXPECT_DOUBLE_EQ(figures["reasoning/accuracy_with_chain"].get<double>(), 0.5) << pass;
    EXPECT_TRUE(figures["reasoning/accuracy_without_chain"].is_null()) << pass;
    EXPECT_DOUBLE_EQ(figures["reasoning/stack_accuracy"].get<double>(), 0.5) << pass;
    EXPECT_DOUBLE_EQ(figures["reasoning/think_words"].get<double>(), 10.0) << pass;
  }
  EXPECT_EQ(result.to_json()["reasoning"], result.reasoning);
  options.k = 0;
  EXPECT_TRUE(
      evaluate(engine, *tiny.tokenizer, problems, builtin_template("plain"), correctness, nullptr, options)
          .reasoning["sampled"]
          .is_null());
}

TEST(Evaluation, RefusesBadArguments) {
  const auto& tiny = tiny_model_directory();
  RolloutEngine engine(tiny.model, tiny.tokenizer.get());
  RewardSet correctness = RewardSet::from_specs({"accuracy"});
  RewardSet empty;
  EvalOptions options;
  options.max_new_tokens = 2;
  const auto plain = builtin_template("plain");
  EXPECT_THROW(evaluate(engine, *tiny.tokenizer, {}, plain, correctness, nullptr, options), Error);
  EXPECT_THROW(evaluate(engine, *tiny.tokenizer, alternating_problems(1), plain, empty, nullptr, options),
               Error);
  options.k = -1;
  EXPECT_THROW(
      evaluate(engine, *tiny.tokenizer, alternating_problems(1), plain, correctness, nullptr, options),
      Error);
}

}  // namespace
}  // namespace grpo
