// Evaluation of a model on a fixed problem set: greedy accuracy, and over k sampled completions per problem
// pass@1 (DeepSeek-R1's: the mean share of right samples), pass@k and majority-vote accuracy (maj@k), plus
// the format rate, the mean completion length, an optional per-field breakdown and a few example completions.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "datasets/example.h"
#include "datasets/prompt_template.h"
#include "rollout/memory_bounds.h"

namespace grpo {

class RolloutEngine;
class RewardSet;
class Tokenizer;
namespace distributed {
class Collectives;
}

struct EvalOptions {
  int64_t k = 4;             // sampled completions per problem (0: greedy only; the sampled metrics are NaN)
  double temperature = 1.0;  // for the k samples (greedy is temperature 0)
  double top_p = 1.0;
  int64_t max_new_tokens = 256;
  std::vector<std::string> stop_strings = {"</answer>"};
  RolloutMemoryBounds memory;  // the engine's memory bounds (0: none)
  uint64_t seed = 1234;
  // Text appended after the rendered prompt and forced into the completion's start ("<think> the stack is"):
  // its tokens follow the prompt's, and the text scored is prefill + generated text. Reported in the result.
  std::string prefill;
  std::string group_by_field;  // a row field ("num_ops") for a per-value breakdown; empty: none
  int64_t num_examples = 3;    // greedy completions kept in EvalResult::examples (the first problems')
  // Asked between the greedy and the sampled pass; true abandons the evaluation (grpo::Error) to stop sooner.
  // With collectives, every rank asks it at the same point: it must agree (e.g. Collectives::any).
  std::function<bool()> should_stop;
  // Data parallelism (null: one process): each rank evaluates its contiguous share of the problems, with the
  // seeds of their places in the whole set, and the outcomes are gathered, so every rank returns the result
  // one process would (up to the numerics of other batch shapes). Every rank must call evaluate.
  distributed::Collectives* collectives = nullptr;
};

// One greedy completion, for showing what the model writes.
struct EvalSample {
  std::string id;
  std::string question;
  std::string gold;
  std::string text;  // prefill + generated text: what was scored
  bool correct = false;
  std::string finish_reason;  // "eos" | "stop" | "length"
  int64_t num_tokens = 0;     // generated tokens (the prefill's excluded)

  nlohmann::json to_json() const;
};

struct EvalResult {
  int64_t n_problems = 0;
  double greedy_accuracy = 0;  // share of problems whose greedy completion is right
  double pass_at_1 = std::numeric_limits<double>::quiet_NaN();  // correct share of all k x n samples
  double pass_at_k = std::numeric_limits<double>::quiet_NaN();  // problems with >= 1 correct sample of k
  double maj_at_k = std::numeric_limits<double>::quiet_NaN();   // problems whose majority answer is correct
  int64_t k = 0;
  double format_rate =
      std::numeric_limits<double>::quiet_NaN();  // mean format score, greedy (NaN: no reward)
  double mean_length = 0;  // mean generated tokens of the greedy completions (the prefill's excluded)
  std::string prefill;     // as given in the options: results with a prefill are not free generation
  // null without group_by_field, else {"field": F, "groups": [{"value": V, "n_problems", "greedy_accuracy",
  // "pass@1", "pass@k", "maj@k", "format_rate"}, ...]} with the groups in ascending order of V (null: rows
  // without the field). The key names are logs/metric_names.h's.
  nlohmann::json breakdown;
  // null unless the problems are box-stacking ones, else {"greedy": {reasoning/... of logs/metric_names.h},
  // "sampled": {...} or null without samples}: chains in <think> (datasets/box_chain.h), the accuracy with
  // and without one, the share of the chains' steps that are right, think length.
  nlohmann::json reasoning;
  std::vector<EvalSample> examples;
  double seconds = 0;  // wall time of evaluate()
  int64_t ranks = 1;   // how many ranks shared the problems (not logged: the result is the same)

  // One line: "greedy accuracy 0.625, pass@1 0.580 (mean of 4 samples), pass@4 0.750, maj@4 0.700, format
  // 1.000, length 12.0 (40 problems)"; the sampled metrics only with k > 0, pass@k and maj@k only with k > 1
  // (at k = 1 both are pass@1).
  std::string summary() const;

  // Every field above under logs/metric_names.h's names (what eval.jsonl holds); NaN metrics are written as
  // null.
  nlohmann::json to_json() const;
};

// Correct = the `correctness` set's weighted total for the completion >= 1 - 1e-9 (one accuracy or task
// reward of weight 1: its score). The format rate is the mean weighted total of `format` (may be null) over
// the greedy completions. maj@k: the k samples vote with their final answers (extract_final_answer, then
// majority_vote), and the winning completion's correctness counts. Prompts are
// encode_prompt(template.render(problem)) + tokenizer.encode(prefill); greedy runs as one engine.generate
// call (num_samples 1, temperature 0) and the samples as another (num_samples k), batched over all problems.
// Throws grpo::Error for no problems, an empty correctness set, k < 0, or a group_by_field no row holds.
EvalResult evaluate(RolloutEngine& engine, const Tokenizer& tokenizer, const std::vector<Example>& problems,
                    const PromptTemplate& prompt_template, RewardSet& correctness, RewardSet* format,
                    const EvalOptions& options);

}  // namespace grpo
