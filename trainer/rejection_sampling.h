// `grpo generate`: rejection sampling. For every question, k completions are sampled, scored by the rewards
// and the kept ones (rejection_selection.h) written as SFT rows ({"prompt": the question, "completion": what
// the model wrote, with the prefill}, the row's other fields, "id", "rewards"), which `grpo sft` reads with
// the same --template. Beside OUT.jsonl, OUT.questions.jsonl gets one line per question done (samples,
// correct, pass rate, rows kept), written after that question's rows: a resumed run (resume = true) drops a
// torn last line of either file and rows of a question whose line is missing, and skips the questions already
// done. Questions go in batches of `questions_per_batch` by their index in the input, each batch's sampling
// seeded by the seed and the batch, so an interrupted run that resumes draws the samples an uninterrupted one
// would.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "datasets/example.h"
#include "datasets/prompt_template.h"
#include "rewards/reward_set.h"
#include "rollout/engine.h"
#include "rollout/generation.h"
#include "tokenizer/tokenizer.h"
#include "trainer/rejection_selection.h"

namespace grpo {

struct RejectionSamplingSettings {
  GenerationOptions generation;  // num_samples = k, the sampling, stop strings, memory bound
  std::string prefill;           // forced at the start of every completion, part of the row's completion
  KeepRule keep = KeepRule::kAllCorrect;
  double min_score = 1.0;
  int64_t questions_per_batch = 16;
  uint64_t seed = 1;
  bool resume = false;     // continue the files at `output`
  bool overwrite = false;  // start them afresh
};

struct RejectionSamplingSummary {
  int64_t questions = 0;  // done, over the whole file (earlier runs included)
  int64_t skipped = 0;    // already done when this run started
  int64_t samples = 0;    // over the whole file
  int64_t correct = 0;
  int64_t solved = 0;      // questions with at least one correct sample
  int64_t rows = 0;        // rows kept
  int64_t duplicates = 0;  // correct samples left out as duplicates
  double seconds = 0;      // this run
  bool stopped = false;    // by a signal, before the last question
  nlohmann::json to_json() const;
  std::string text() const;  // a few lines for the console
};

// OUT.questions.jsonl and OUT.summary.json for OUT.jsonl.
std::filesystem::path questions_path_of(const std::filesystem::path& output);
std::filesystem::path summary_path_of(const std::filesystem::path& output);

RejectionSamplingSummary run_rejection_sampling(RolloutEngine& engine, const Tokenizer& tokenizer,
                                                const std::vector<Example>& questions,
                                                const PromptTemplate& prompt_template, RewardSet& rewards,
                                                const RejectionSamplingSettings& settings,
                                                const std::filesystem::path& output);

}  // namespace grpo
