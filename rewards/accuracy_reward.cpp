#include "rewards/accuracy_reward.h"

#include <fmt/format.h>

#include "core/error.h"
#include "rewards/json_excerpt.h"
#include "rewards/spec_arguments.h"
#include "rewards/text_scan.h"

namespace grpo {

namespace {

std::string source_list(const std::vector<AnswerSource>& order) {
  std::string out;
  for (AnswerSource source : order) {
    if (!out.empty()) out += ", ";
    out += answer_source_name(source);
  }
  return out;
}

std::string field_names(const nlohmann::json& row) {
  std::string out;
  if (!row.is_object()) return "the row is not a JSON object";
  for (const auto& item : row.items()) {
    if (!out.empty()) out += ", ";
    out += item.key();
  }
  return out.empty() ? "none" : out;
}

// The gold answers a row field holds: text (worked answers reduced to their final answer), numbers, or a
// list.
std::vector<std::string> gold_answers(const nlohmann::json& value, const std::string& field) {
  std::vector<std::string> out;
  auto add = [&](const nlohmann::json& item) {
    if (item.is_string()) {
      std::string gold = extract_gold_answer(item.get_ref<const std::string&>());
      if (!gold.empty()) out.push_back(gold);
    } else if (item.is_number()) {
      out.push_back(item.dump());  // a number: always valid
    } else if (!item.is_null()) {
      fail("accuracy reward: the gold field '{}' holds {} ({}); it must be text, a number, or a list of them",
           field, item.type_name(), json_excerpt(item, 80));
    }
  };
  if (value.is_array()) {
    for (const auto& item : value) add(item);
  } else {
    add(value);
  }
  return out;
}

}  // namespace

AccuracyReward::AccuracyReward(AccuracyRewardOptions options) : options_(std::move(options)) {
  if (options_.order.empty()) fail("accuracy reward: the answer order is empty; name at least one source");
}

RewardResult AccuracyReward::score_one(const RewardInput& input) const {
  if (!input.row.is_object() || !input.row.contains(options_.gold_field)) {
    fail(
        "accuracy reward: the dataset row has no field '{}' (its fields: {}); name the gold field with "
        "--reward accuracy:field=NAME",
        options_.gold_field, field_names(input.row));
  }
  std::vector<std::string> golds = gold_answers(input.row.at(options_.gold_field), options_.gold_field);
  if (golds.empty()) return {std::nullopt, "no gold answer in field '" + options_.gold_field + "'"};

  auto predicted = extract_final_answer(input.completion, options_.order);
  if (!predicted) return {0.0, "no answer found (tried " + source_list(options_.order) + ")"};

  std::string note;
  for (const std::string& gold : golds) {
    AnswerVerdict verdict = compare_answers(predicted->text, gold, options_.match);
    if (verdict.correct) {
      return {1.0, fmt::format("correct: {} ({})", text::quote(predicted->text),
                               answer_source_name(predicted->source))};
    }
    if (note.empty()) note = verdict.note;
  }
  return {0.0, fmt::format("expected {}, got {} ({}{}{})", text::quote(golds.front()),
                           text::quote(predicted->text), answer_source_name(predicted->source),
                           note.empty() ? "" : "; ", note)};
}

std::vector<RewardResult> AccuracyReward::score(const std::vector<RewardInput>& batch) {
  std::vector<RewardResult> results;
  results.reserve(batch.size());
  for (const RewardInput& input : batch) results.push_back(score_one(input));
  return results;
}

std::unique_ptr<RewardFunction> make_accuracy_reward(const std::string& argument) {
  SpecArguments arguments("accuracy", argument);
  AccuracyRewardOptions options;
  options.gold_field = arguments.get_string("field", options.gold_field);
  if (options.gold_field.empty()) fail("reward 'accuracy': field= needs a field name");
  options.match.relative_tolerance = arguments.get_double("tolerance", options.match.relative_tolerance);
  if (options.match.relative_tolerance < 0) fail("reward 'accuracy': tolerance must be >= 0");
  if (auto order = arguments.find("order")) {
    options.order.clear();
    size_t start = 0;
    while (start <= order->size()) {
      size_t end = order->find('/', start);
      if (end == std::string::npos) end = order->size();
      std::string name = order->substr(start, end - start);
      auto source = parse_answer_source(name);
      if (!source) {
        fail(
            "reward 'accuracy': unknown answer source '{}' in order={}; known: answer_tag, boxed, hash, "
            "last_number "
            "(separate them with '/')",
            name, *order);
      }
      options.order.push_back(*source);
      start = end + 1;
    }
  }
  for (const std::string& word : arguments.words()) {
    if (word == "exact") {
      options.match.mode = AnswerMatchMode::exact;
    } else if (word == "math") {
      options.match.mode = AnswerMatchMode::math;
    } else {
      fail(
          "reward 'accuracy': unknown option '{}'; it accepts: field=NAME, order=SOURCES, tolerance=X, exact",
          word);
    }
  }
  arguments.check_all_used({"field", "order", "tolerance", "exact"});
  return std::make_unique<AccuracyReward>(std::move(options));
}

}  // namespace grpo
