#include "rewards/format_reward.h"

#include <fmt/format.h>

#include <array>
#include <vector>

#include "core/error.h"
#include "rewards/spec_arguments.h"
#include "rewards/text_scan.h"

namespace grpo {

namespace {

enum Tag { kThinkOpen = 0, kThinkClose = 1, kAnswerOpen = 2, kAnswerClose = 3 };
constexpr std::array<std::string_view, 4> kTagText = {"<think>", "</think>", "<answer>", "</answer>"};

struct TagAt {
  Tag tag;
  size_t begin;
  size_t end;
};

// Every occurrence of the four tags, in order; one pass.
std::vector<TagAt> scan_tags(std::string_view text) {
  std::vector<TagAt> tags;
  for (size_t i = text.find('<'); i != std::string_view::npos; i = text.find('<', i + 1)) {
    for (int t = 0; t < 4; ++t) {
      if (text::starts_with(text.substr(i), kTagText[t])) {
        tags.push_back({static_cast<Tag>(t), i, i + kTagText[t].size()});
        break;
      }
    }
  }
  return tags;
}

bool prompt_opens_think(std::string_view prompt) {
  return text::ends_with(text::trim(prompt), "<think>");
}

}  // namespace

FormatVerdict check_format(std::string_view prompt, std::string_view completion, FormatMode mode) {
  std::string joined;
  std::string_view text = completion;
  if (prompt_opens_think(prompt)) {
    joined.reserve(completion.size() + 7);
    joined = "<think>";
    joined.append(completion);
    text = joined;
  }
  std::vector<TagAt> tags = scan_tags(text);
  std::array<int, 4> count{};
  for (const TagAt& tag : tags) ++count[tag.tag];

  if (count[kThinkOpen] == 0) return {false, "no <think>"};
  if (tags.front().tag != kThinkOpen)
    return {false, fmt::format("{} before <think>", kTagText[tags.front().tag])};
  if (!text::is_blank(text.substr(0, tags.front().begin))) return {false, "text before <think>"};
  if (count[kThinkOpen] > 1) return {false, "more than one <think> (nested or repeated)"};
  if (count[kThinkClose] == 0) return {false, "no </think>"};
  if (count[kThinkClose] > 1) return {false, "more than one </think>"};
  if (tags[1].tag != kThinkClose)
    return {false, fmt::format("{} inside the think block", kTagText[tags[1].tag])};
  if (mode == FormatMode::think) return {true, "ok"};

  if (count[kAnswerOpen] == 0) return {false, "no <answer>"};
  if (count[kAnswerClose] == 0) return {false, "no </answer>"};
  if (count[kAnswerOpen] > 1) return {false, "more than one <answer>"};
  if (count[kAnswerClose] > 1) return {false, "more than one </answer>"};
  // Exactly four tags now; <think> and </think> come first.
  if (tags[2].tag != kAnswerOpen) return {false, "</answer> before <answer>"};
  const TagAt& think_close = tags[1];
  const TagAt& answer_open = tags[2];
  const TagAt& answer_close = tags[3];
  if (text::is_blank(text.substr(answer_open.end, answer_close.begin - answer_open.end))) {
    return {false, "empty answer"};
  }
  if (mode == FormatMode::strict) {
    if (!text::is_blank(text.substr(think_close.end, answer_open.begin - think_close.end))) {
      return {false, "text between </think> and <answer>"};
    }
    if (!text::is_blank(text.substr(answer_close.end))) return {false, "text after </answer>"};
  }
  return {true, "ok"};
}

std::string FormatReward::name() const {
  switch (mode_) {
    case FormatMode::strict:
      return "format";
    case FormatMode::lenient:
      return "format_lenient";
    case FormatMode::think:
      return "format_think";
  }
  return "format";
}

std::vector<RewardResult> FormatReward::score(const std::vector<RewardInput>& batch) {
  std::vector<RewardResult> results;
  results.reserve(batch.size());
  for (const RewardInput& input : batch) {
    FormatVerdict verdict = check_format(input.prompt, input.completion, mode_);
    results.push_back({verdict.ok ? 1.0 : 0.0, std::move(verdict.reason)});
  }
  return results;
}

std::vector<RewardResult> TagCountReward::score(const std::vector<RewardInput>& batch) {
  std::vector<RewardResult> results;
  results.reserve(batch.size());
  for (const RewardInput& input : batch) {
    std::array<int, 4> count{};
    for (const TagAt& tag : scan_tags(input.completion)) ++count[tag.tag];
    if (prompt_opens_think(input.prompt)) ++count[kThinkOpen];
    double score = 0;
    std::string reason;
    for (int t = 0; t < 4; ++t) {
      if (count[t] == 1) {
        score += 0.25;
      } else {
        if (!reason.empty()) reason += ", ";
        reason += fmt::format("{} x{}", kTagText[t], count[t]);
      }
    }
    results.push_back({score, reason.empty() ? "ok" : reason});
  }
  return results;
}

std::unique_ptr<RewardFunction> make_format_reward(const std::string& argument) {
  SpecArguments arguments("format", argument);
  arguments.check_all_used({});
  FormatMode mode = FormatMode::strict;
  if (arguments.words().size() > 1)
    fail("reward 'format': give one mode (strict, lenient or think), not {}", argument);
  if (!arguments.words().empty()) {
    const std::string& word = arguments.words().front();
    if (word == "strict") {
      mode = FormatMode::strict;
    } else if (word == "lenient") {
      mode = FormatMode::lenient;
    } else if (word == "think") {
      mode = FormatMode::think;
    } else {
      fail("reward 'format': unknown mode '{}'; known: strict, lenient, think", word);
    }
  }
  return std::make_unique<FormatReward>(mode);
}

std::unique_ptr<RewardFunction> make_tag_count_reward(const std::string& argument) {
  SpecArguments arguments("tag_count", argument);
  arguments.check_all_used({});
  if (!arguments.words().empty()) fail("reward 'tag_count' takes no options (got '{}')", argument);
  return std::make_unique<TagCountReward>();
}

}  // namespace grpo
