// Fuzzing every built-in reward with random and adversarial completions: invalid UTF-8, NUL bytes, a megabyte
// of '{', ten thousand nested tags, numbers with thousands of digits. Each must return one finite score (or
// not applicable) per completion, without crashing, within a generous bound that only a super-linear scan
// breaks.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "rewards/answer_comparison.h"
#include "rewards/answer_extraction.h"
#include "rewards/reward_registry.h"

namespace grpo {
namespace {

std::string repeat(const std::string& piece, size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

std::vector<std::string> adversarial_completions() {
  const size_t megabyte = 1 << 20;
  std::string digits(5000, '9');
  std::string long_digits(200000, '7');
  std::vector<std::string> out = {
      "",
      std::string(megabyte, '{'),
      std::string(megabyte, '}'),
      "\\boxed" + std::string(megabyte, '{'),
      repeat("\\boxed{", 150000),
      repeat("\\boxed{1}", 100000),
      repeat("<think>", 10000) + "x" + repeat("</think>", 10000) + "<answer>1</answer>",
      repeat("<answer>", 10000) + "42" + repeat("</answer>", 10000),
      "<think>" + repeat("<answer>", 10000) + "</think>",
      "<answer>" + digits + "</answer>",
      "<answer>" + digits + "." + digits + "</answer>",
      "<answer>\\frac{" + digits + "}{" + digits + "3}</answer>",
      "<answer>\\frac{" + long_digits + "}{7}</answer>",
      "<answer>-0." + long_digits + "%</answer>",
      "<answer>" + long_digits + "</answer>",
      repeat("1,", 300000) + "1",
      repeat("1,000", 200000),
      "#### " + long_digits,
      repeat("####", 200000),
      repeat("\\frac{", 100000) + repeat("}", 100000),
      repeat("\\text{", 100000) + "5",
      repeat("\\left(", 100000),
      "<answer>" + repeat("(", 500000) + "1" + repeat(")", 500000) + "</answer>",
      "<answer>" + repeat("1+", 4000) + "1</answer>",
      "<answer>" + repeat("999999999999999999*", 100) + "1</answer>",
      "<answer>" + repeat("1/", 3000) + "0</answer>",
      std::string(megabyte, '\0'),
      std::string(megabyte, '\xFF'),
      repeat("\xE2\x88\x92", 300000),
      repeat("\xC2", 500000),
      repeat("- ", 500000),
      repeat(". ", 500000),
      repeat("a ", 500000),
      repeat("\\", megabyte),
      repeat("$", megabyte),
      "<think>r</think><answer>" + std::string(megabyte, ' ') + "</answer>",
      "<answer>(" + repeat("1,", 200000) + "1)</answer>",
      "<answer>\\{" + repeat("\\{", 100000) + "</answer>",
  };
  return out;
}

std::vector<std::string> random_completions(std::mt19937& random) {
  const std::vector<std::string> fragments = {"<think>",  "</think>",
                                              "<answer>", "</answer>",
                                              "\\boxed{", "\\boxed",
                                              "{",        "}",
                                              "\\frac",   "\\dfrac",
                                              "####",     "0",
                                              "1",        "7",
                                              "9",        "123",
                                              ",",        ".",
                                              "-",        "+",
                                              "*",        "/",
                                              "(",        ")",
                                              "[",        "]",
                                              "\\",       "$",
                                              "\\text{",  "\\left(",
                                              "\\right)", "=",
                                              "%",        "^\\circ",
                                              " ",        "\n",
                                              "x",        "C",
                                              "\\{",      "\\}",
                                              "\\!",      "\xE2\x88\x92",
                                              "\xC2\xB0", std::string(1, '\0'),
                                              "\xFF",     "\xC3",
                                              "_",        "^",
                                              "\\sqrt",   "\xE2\x82\xAC",
                                              "e",        "i"};
  std::vector<std::string> out;
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> length(0, 3000);
  std::uniform_int_distribution<size_t> pick(0, fragments.size() - 1);
  for (int i = 0; i < 200; ++i) {
    std::string bytes(length(random), '\0');
    for (char& c : bytes) c = static_cast<char>(byte(random));
    out.push_back(bytes);
  }
  for (int i = 0; i < 400; ++i) {
    std::string text;
    size_t count = length(random) / 4;
    for (size_t k = 0; k < count; ++k) text += fragments[pick(random)];
    out.push_back(text);
  }
  return out;
}

TEST(RewardFuzz, EveryBuiltInRewardSurvivesHostileCompletions) {
  std::mt19937 random(1234);
  std::vector<std::string> completions = adversarial_completions();
  for (auto& text : random_completions(random)) completions.push_back(std::move(text));

  std::vector<std::string> specs = {"accuracy",
                                    "accuracy:order=last_number",
                                    "accuracy:exact",
                                    "format",
                                    "format:lenient",
                                    "format:think",
                                    "tag_count",
                                    "countdown",
                                    "overlong:max=100:cache=20",
                                    "repetition",
                                    "repetition:n=1"};
  std::vector<nlohmann::json> rows = {
      {{"answer", "42"}, {"numbers", {1, 2, 3}}, {"target", 6}},
      {{"answer", "\\frac{3}{56}"}, {"input", "30,100,93"}, {"output", "23"}},
      {{"answer", "#### " + std::string(3000, '9')}, {"numbers", {7}}, {"target", 7}},
      {{"answer", "(1,2]"}, {"numbers", {1, 1}}, {"target", 2}},
  };
  const double kBoundSeconds = 10.0;  // per completion and reward; linear scans take milliseconds
  for (const std::string& spec : specs) {
    auto reward = make_reward(spec);
    for (size_t i = 0; i < completions.size(); ++i) {
      RewardInput input;
      input.prompt = i % 2 ? "Assistant: <think>" : "";
      input.completion = completions[i];
      input.completion_ids.assign(i % 150, 1);
      input.finish_reason = "length";
      input.row = rows[i % rows.size()];
      auto start = std::chrono::steady_clock::now();
      std::vector<RewardResult> results = reward->score({input});
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ASSERT_EQ(results.size(), 1u) << spec;
      if (results[0].score) {
        EXPECT_TRUE(std::isfinite(*results[0].score)) << spec << " completion " << i;
      }
      EXPECT_LT(seconds, kBoundSeconds) << spec << " took " << seconds << " s on completion " << i << " ("
                                        << completions[i].size() << " bytes)";
    }
  }
}

TEST(RewardFuzz, AnswerComparisonSurvivesHostilePairs) {
  std::vector<std::string> answers = adversarial_completions();
  for (size_t i = 0; i < answers.size(); i += 3) {
    for (size_t j = 0; j < answers.size(); j += 5) {
      auto start = std::chrono::steady_clock::now();
      (void)compare_answers(answers[i], answers[j]);
      (void)extract_gold_answer(answers[i]);
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      EXPECT_LT(seconds, 10.0) << "pair " << i << ", " << j;
    }
  }
}

}  // namespace
}  // namespace grpo
