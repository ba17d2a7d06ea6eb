#include "rewards/process_reward.h"

#include <fmt/format.h>

#include <cmath>
#include <regex>

#include "core/error.h"
#include "rewards/json_excerpt.h"
#include "rewards/text_scan.h"

namespace grpo {

std::string make_reward_request(const std::vector<RewardInput>& batch) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const RewardInput& input : batch) {
    inputs.push_back({{"prompt", input.prompt},
                      {"completion", input.completion},
                      {"completion_ids", input.completion_ids},
                      {"finish_reason", input.finish_reason},
                      {"row", input.row}});
  }
  nlohmann::json request = {{"protocol", kRewardProcessProtocol}, {"inputs", std::move(inputs)}};
  return request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<RewardResult> parse_reward_reply(const std::string& reply, size_t count) {
  nlohmann::json parsed = nlohmann::json::parse(reply, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    if (std::regex_search(reply, std::regex(R"((^|[^A-Za-z_])-?(NaN|Infinity)([^A-Za-z_]|$))"))) {
      fail(
          "answered {}: JSON has no NaN or Infinity (Python's json.dumps writes them); send null for a "
          "completion the reward does not apply to, or a finite number",
          text::quote(reply, 120));
    }
    fail("answered a line that is not JSON: {} (print debugging output to stderr, not stdout)",
         text::quote(reply, 120));
  }
  if (!parsed.is_object())
    fail("answered {} instead of a JSON object with \"scores\"", text::quote(reply, 120));
  if (auto error = parsed.find("error"); error != parsed.end() && !error->is_null()) {
    fail("reported an error: {}",
         error->is_string() ? text::quote(error->get<std::string>(), 500) : json_excerpt(*error, 500));
  }
  auto scores = parsed.find("scores");
  if (scores == parsed.end() || !scores->is_array()) {
    fail("answered without a \"scores\" list: {}", text::quote(reply, 120));
  }
  if (scores->size() != count) fail("answered {} scores for a batch of {}", scores->size(), count);
  const nlohmann::json* reasons = nullptr;
  if (auto found = parsed.find("reasons"); found != parsed.end() && !found->is_null()) {
    if (!found->is_array() || found->size() != count) {
      fail("answered \"reasons\" that is not a list of {} strings or nulls", count);
    }
    reasons = &*found;
  }
  std::vector<RewardResult> results(count);
  for (size_t i = 0; i < count; ++i) {
    const nlohmann::json& score = (*scores)[i];
    if (score.is_number()) {
      double value = score.get<double>();
      if (!std::isfinite(value)) fail("answered a non-finite score for completion {}", i);
      results[i].score = value;
    } else if (!score.is_null()) {
      fail("answered score {} for completion {}: each score must be a number or null",
           json_excerpt(score, 60), i);
    }
    if (reasons) {
      const nlohmann::json& reason = (*reasons)[i];
      if (reason.is_string()) {
        results[i].reason = reason.get<std::string>();
      } else if (!reason.is_null()) {
        fail("answered reason {} for completion {}: each reason must be a string or null",
             json_excerpt(reason, 60), i);
      }
    }
  }
  return results;
}

ProcessReward::ProcessReward(std::string command, double timeout_seconds)
    : command_(std::move(command)), timeout_seconds_(timeout_seconds) {
  if (text::is_blank(command_))
    fail("process reward: no command; write --reward \"cmd:python3 my_reward.py\"");
  process_ = std::make_unique<LineProcess>(command_);
}

std::vector<RewardResult> ProcessReward::score(const std::vector<RewardInput>& batch) {
  if (batch.empty()) return {};
  try {
    if (!process_ || !process_->running()) process_ = std::make_unique<LineProcess>(command_);
    std::string reply = process_->exchange(make_reward_request(batch), timeout_seconds_);
    return parse_reward_reply(reply, batch.size());
  } catch (const Error& e) {
    if (process_) process_->kill();
    process_.reset();  // a process that failed once is not trusted with the next batch: start a fresh one
    fail("reward process '{}' {}", command_, e.what());
  }
}

}  // namespace grpo
