#include "logs/rollout_record.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "logs/completion_parts.h"

namespace grpo::logs {

void check_finish_reason(const std::string& reason) {
  if (reason == "eos" || reason == "stop" || reason == "length") return;
  fail(
      "finish_reason '{}' is not one of eos (end-of-sequence token), stop (a stop string), length (hit the "
      "limit)",
      reason);
}

namespace {

Json number_or_null(double value) {
  return std::isfinite(value) ? Json(value) : Json(nullptr);
}

Json optional_text(const std::optional<std::string>& text) {
  return text ? Json(*text) : Json(nullptr);
}

// Reading helpers: each returns false (and names the field) when the field has the wrong type.
bool read_text(const Json& object, const char* key, std::string& out, std::string* problem) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return true;
  if (found->is_string()) {
    out = found->get<std::string>();
    return true;
  }
  if (found->is_number()) {  // e.g. a gold answer written as a number by another tool
    out = found->dump();
    return true;
  }
  if (problem) *problem = fmt::format("field '{}' should be text, not {}", key, found->type_name());
  return false;
}

bool read_optional_text(const Json& object, const char* key, std::optional<std::string>& out,
                        std::string* problem) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) {
    out.reset();
    return true;
  }
  if (!found->is_string()) {
    if (problem) *problem = fmt::format("field '{}' should be text or null, not {}", key, found->type_name());
    return false;
  }
  out = found->get<std::string>();
  return true;
}

template <typename Number>
bool read_number(const Json& object, const char* key, Number& out, std::string* problem) {
  auto found = object.find(key);
  if (found == object.end()) return true;
  if (found->is_null()) {
    if constexpr (std::is_floating_point_v<Number>) out = std::numeric_limits<Number>::quiet_NaN();
    return true;
  }
  if (!found->is_number()) {
    if (problem) *problem = fmt::format("field '{}' should be a number, not {}", key, found->type_name());
    return false;
  }
  out = found->get<Number>();
  return true;
}

bool read_rewards(const Json& object, std::vector<RewardVerdict>& out, std::string* problem) {
  auto found = object.find("rewards");
  if (found == object.end() || found->is_null()) return true;
  if (!found->is_object()) {
    if (problem) *problem = fmt::format("field 'rewards' should be an object, not {}", found->type_name());
    return false;
  }
  for (const auto& [name, verdict] : found->items()) {
    RewardVerdict reward{name, std::nullopt, {}};
    if (verdict.is_number()) {  // a bare score
      reward.score = verdict.get<double>();
    } else if (verdict.is_object()) {
      auto score = verdict.find("score");
      if (score != verdict.end() && score->is_number()) reward.score = score->get<double>();
      auto reason = verdict.find("reason");
      if (reason != verdict.end() && reason->is_string()) reward.reason = reason->get<std::string>();
    } else if (!verdict.is_null()) {
      if (problem) *problem = fmt::format("reward '{}' should be an object {{score, reason}}", name);
      return false;
    }
    out.push_back(std::move(reward));
  }
  return true;
}

}  // namespace

Json rollout_to_json(const RolloutRecord& record, bool split_parts) {
  if (split_parts) check_finish_reason(record.finish_reason);
  Json rewards = Json::object();
  for (const auto& verdict : record.rewards) {
    if (rewards.contains(verdict.name)) fail("reward '{}' is listed twice for one completion", verdict.name);
    Json score = verdict.score && std::isfinite(*verdict.score) ? Json(*verdict.score) : Json(nullptr);
    rewards[verdict.name] = Json{{"score", score}, {"reason", verdict.reason}};
  }
  Json object;
  object["step"] = record.step;
  object["question_id"] = record.question_id;
  object["question"] = record.question;
  object["gold"] = record.gold;
  object["group"] = record.group;
  object["sample"] = record.sample;
  object["completion"] = record.completion;
  if (split_parts) {
    CompletionParts parts = split_completion(record.completion);
    object["think"] = optional_text(part_text(record.completion, parts.think));
    object["answer"] = optional_text(part_text(record.completion, parts.answer));
  } else {
    object["think"] = optional_text(record.think);
    object["answer"] = optional_text(record.answer);
  }
  object["rewards"] = std::move(rewards);
  object["reward"] = number_or_null(record.reward);
  object["advantage"] = number_or_null(record.advantage);
  object["length"] = record.length;
  object["finish_reason"] = record.finish_reason;
  return object;
}

std::optional<RolloutRecord> rollout_from_json(const Json& object, std::string* problem) {
  if (!object.is_object()) {
    if (problem) *problem = "a rollout record must be a JSON object";
    return std::nullopt;
  }
  RolloutRecord record;
  bool ok = read_number(object, "step", record.step, problem) &&
            read_text(object, "question_id", record.question_id, problem) &&
            read_text(object, "question", record.question, problem) &&
            read_text(object, "gold", record.gold, problem) &&
            read_number(object, "group", record.group, problem) &&
            read_number(object, "sample", record.sample, problem) &&
            read_text(object, "completion", record.completion, problem) &&
            read_optional_text(object, "think", record.think, problem) &&
            read_optional_text(object, "answer", record.answer, problem) &&
            read_rewards(object, record.rewards, problem) &&
            read_number(object, "reward", record.reward, problem) &&
            read_number(object, "advantage", record.advantage, problem) &&
            read_number(object, "length", record.length, problem) &&
            read_text(object, "finish_reason", record.finish_reason, problem);
  if (!ok) return std::nullopt;
  if (!object.contains("think") && !object.contains("answer")) {  // a hand-written log: split it here
    CompletionParts parts = split_completion(record.completion);
    record.think = part_text(record.completion, parts.think);
    record.answer = part_text(record.completion, parts.answer);
  }
  return record;
}

const RewardVerdict* find_reward(const RolloutRecord& record, const std::string& name) {
  for (const auto& verdict : record.rewards) {
    if (verdict.name == name) return &verdict;
  }
  return nullptr;
}

}  // namespace grpo::logs
