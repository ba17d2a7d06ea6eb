// One logged completion (a line of rollouts/step_N.jsonl[.gz]) and its JSON form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "logs/json_lines.h"

namespace grpo::logs {

// One reward function's verdict on a completion. score is empty when the function said "not applicable".
struct RewardVerdict {
  std::string name;
  std::optional<double> score;
  std::string reason;
};

struct RolloutRecord {
  int64_t step = 0;
  std::string question_id;
  std::string question;
  std::string gold;  // the reference answer, as text
  int group = 0;     // index of the question in the step
  int sample = 0;    // index of the completion within its group
  std::string completion;
  std::optional<std::string> think;   // filled from `completion` when written (split_completion)
  std::optional<std::string> answer;  // idem
  std::vector<RewardVerdict> rewards;
  double reward = 0;                  // total (weighted) reward
  double advantage = 0;               // GRPO advantage of this completion
  int64_t length = 0;                 // completion tokens
  std::string finish_reason = "eos";  // "eos" | "stop" | "length"
};

// Throws grpo::Error unless `reason` is "eos", "stop" or "length".
void check_finish_reason(const std::string& reason);

// The JSON object of a record, keys in the documented order. split_parts: think and answer are split from the
// completion and the finish reason is checked (what the writer does); otherwise the record is written as it
// is.
Json rollout_to_json(const RolloutRecord& record, bool split_parts = true);

// Reads a record back. Fields absent from the object keep their defaults (older or hand-written logs); a
// field of the wrong type gives nothing and sets `problem`. A null reward or advantage (NaN when written)
// reads as NaN.
std::optional<RolloutRecord> rollout_from_json(const Json& object, std::string* problem);

// The verdict of the reward called `name`, or nullptr.
const RewardVerdict* find_reward(const RolloutRecord& record, const std::string& name);

}  // namespace grpo::logs
