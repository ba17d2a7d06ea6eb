#include "trainer/rollout_group_exchange.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace grpo {

using nlohmann::json;

namespace {

FinishReason finish_reason_named(const std::string& name) {
  if (name == "eos") return FinishReason::kEos;
  if (name == "stop") return FinishReason::kStop;
  if (name == "length") return FinishReason::kLength;
  fail("a gathered rollout has the unknown finish reason '{}'", name);
}

}  // namespace

std::string encode_rollout_groups(const std::vector<RolloutGroup>& groups,
                                  const std::function<std::string(const Completion&)>& scored_text) {
  json out = json::array();
  for (const auto& group : groups) {
    json completions = json::array();
    for (const auto& completion : group.completions) {
      completions.push_back({{"ids", completion.token_ids},
                             {"text", scored_text(completion)},
                             {"finish", finish_reason_name(completion.finish_reason)},
                             {"p", completion.prompt_index},
                             {"g", completion.sample_index}});
    }
    json results = json::array();
    for (const auto& per_reward : group.results) {
      json scores = json::array();
      for (const auto& result : per_reward) {
        scores.push_back(
            {{"score", result.score ? json(*result.score) : json(nullptr)}, {"reason", result.reason}});
      }
      results.push_back(std::move(scores));
    }
    out.push_back({{"id", group.example.id},
                   {"question", group.example.question},
                   {"answer", group.example.answer},
                   {"row", group.example.row},  // the task row: the reasoning metrics read its stacks
                   {"prompt", group.prompt},
                   {"completions", std::move(completions)},
                   {"totals", group.totals},
                   {"results", std::move(results)}});
  }
  const std::vector<std::uint8_t> cbor = json::to_cbor(out);  // doubles travel bit-exact
  return std::string(cbor.begin(), cbor.end());
}

std::vector<RolloutGroup> decode_rollout_groups(const std::string& bytes) {
  json in;
  try {
    in = json::from_cbor(bytes);
  } catch (const json::exception& e) {
    fail("gathered rollout groups are not valid CBOR ({})", e.what());
  }
  std::vector<RolloutGroup> groups;
  try {
    for (const auto& item : in) {
      RolloutGroup group;
      group.example.id = item.at("id").get<std::string>();
      group.example.question = item.at("question").get<std::string>();
      group.example.answer = item.at("answer").get<std::string>();
      group.example.row = item.at("row");
      group.prompt = item.at("prompt").get<std::string>();
      for (const auto& c : item.at("completions")) {
        Completion completion;
        completion.token_ids = c.at("ids").get<std::vector<int64_t>>();
        completion.text = c.at("text").get<std::string>();
        completion.finish_reason = finish_reason_named(c.at("finish").get<std::string>());
        completion.prompt_index = c.at("p").get<int64_t>();
        completion.sample_index = c.at("g").get<int64_t>();
        group.completions.push_back(std::move(completion));
      }
      group.totals = item.at("totals").get<std::vector<double>>();
      for (const auto& per_reward : item.at("results")) {
        std::vector<RewardResult> results;
        for (const auto& r : per_reward) {
          RewardResult result;
          if (!r.at("score").is_null()) result.score = r.at("score").get<double>();
          result.reason = r.at("reason").get<std::string>();
          results.push_back(std::move(result));
        }
        group.results.push_back(std::move(results));
      }
      groups.push_back(std::move(group));
    }
  } catch (const json::exception& e) {
    fail("gathered rollout groups are malformed ({})", e.what());
  }
  return groups;
}

}  // namespace grpo
