// Fuzzing the reward's answer reading (rewards/): final-answer extraction from a completion, gold extraction,
// markup cleaning, number parsing and answer comparison. The input is "completion \x01 gold".
#include "fuzz_driver.h"
#include "rewards/answer_comparison.h"
#include "rewards/answer_extraction.h"
#include "rewards/answer_normalization.h"

int main(int argc, char** argv) {
  grpo::fuzz::Target target;
  target.name = "answer_extraction";
  target.seeds = {
      "<think>3 + 4 = 7</think><answer>7</answer>\x01"
      "7",
      "so the answer is \\boxed{\\frac{14}{3}}.\x01"
      "\\dfrac{14}{3}",
      "She makes 9 * 2 = 18 dollars.\n#### 18\x01"
      "Janet sells 9 eggs.\n#### 18",
      "<answer>-\\$1,234.50 USD</answer>\x01"
      "-1234.5",
      "<answer>10{,}000</answer>\x01"
      "10000",
      "<answer>\\left( 3, \\frac{\\pi}{2} \\right)</answer>\x01"
      "(3,\\frac{\\pi}{2})",
      "<answer>137 \\frac{1}{2}%</answer>\x01"
      "275/2",
      "<answer>0.3333</answer>\x01"
      "\\frac{1}{3}",
  };
  target.dictionary = {"<answer>", "</answer>", "<think>", "</think>",    "\\boxed{", "\\fbox{",  "\\frac{",
                       "}{",       "####",      "{,}",     "\\text{",     "\\left(",  "\\right)", "$",
                       "\\$",      "%",         ",000",    ".5",          "-",        "/",        "\x01",
                       "^\\circ",  "\\!",       "e+",      "\xe2\x88\x92"};
  target.run = [](const std::string& input) {
    const size_t split = input.find('\x01');
    const std::string completion = input.substr(0, split);
    const std::string gold_text = split == std::string::npos ? "" : input.substr(split + 1);
    const std::string gold = grpo::extract_gold_answer(gold_text);
    (void)grpo::extract_last_number(completion);
    (void)grpo::parse_answer_number(grpo::clean_answer(completion));
    (void)grpo::normalize_answer(gold);
    if (auto answer = grpo::extract_final_answer(completion)) {
      grpo::AnswerMatchOptions options;
      (void)grpo::compare_answers(answer->text, gold, options);
      options.relative_tolerance = 1e-4;
      (void)grpo::compare_answers(answer->text, gold, options);
      options.mode = grpo::AnswerMatchMode::exact;
      (void)grpo::compare_answers(answer->text, gold, options);
    }
  };
  return grpo::fuzz::run_main(argc, argv, target);
}
