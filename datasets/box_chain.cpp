#include "datasets/box_chain.h"

#include <algorithm>
#include <string>

#include "logs/completion_parts.h"
#include "logs/metric_names.h"

namespace grpo {

namespace {

using Sentence = std::vector<std::string>;

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The think block's sentences, as the header describes; words that mix letters and digits split at the
// change ("step1" -> "step", "1").
std::vector<Sentence> sentences_of(std::string_view text) {
  std::vector<Sentence> sentences(1);
  std::string word;
  auto end_word = [&] {
    if (!word.empty()) sentences.back().push_back(std::move(word));
    word.clear();
  };
  for (char c : text) {
    const bool letter = is_letter(c), digit = is_digit(c);
    if ((letter || digit) && !word.empty() && is_digit(word.back()) != digit) end_word();
    if (letter) {
      word += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    } else if (digit) {
      word += c;
    } else {
      end_word();
      if (c == ':') sentences.back().push_back(":");
      if (c == '.' && !sentences.back().empty()) sentences.emplace_back();
    }
  }
  end_word();
  if (sentences.back().empty()) sentences.pop_back();
  return sentences;
}

bool is_colour(const std::string& word) {
  const auto& colours = box_colours();
  return std::find(colours.begin(), colours.end(), word) != colours.end();
}

bool is_number(const std::string& word) {
  return !word.empty() && std::all_of(word.begin(), word.end(), is_digit);
}

// The sentence without a leading "step N :".
Sentence without_step_number(const Sentence& sentence) {
  if (sentence.size() >= 3 && sentence[0] == "step" && is_number(sentence[1]) && sentence[2] == ":") {
    return Sentence(sentence.begin() + 3, sentence.end());
  }
  return sentence;
}

bool words_are(const Sentence& sentence, size_t from, std::initializer_list<const char*> words) {
  if (sentence.size() != from + words.size()) return false;
  size_t i = from;
  for (const char* word : words) {
    if (sentence[i++] != word) return false;
  }
  return true;
}

bool is_operation(const Sentence& s) {
  if (s.size() < 2 || !is_colour(s[1])) return false;
  if (s[0] == "move") return words_are(s, 2, {"to", "the", "top"});
  if (s[0] == "put") return words_are(s, 2, {"on", "top"});
  if (s[0] == "remove") return s.size() == 2;
  if (s[0] == "swap") return s.size() == 4 && s[2] == "and" && is_colour(s[3]);
  return false;
}

// The stack a stack statement states, or nullopt.
std::optional<BoxStack> stated_stack(const Sentence& s) {
  const size_t start = !s.empty() && s[0] == "now" ? 1 : 0;
  if (s.size() < start + 4 || s[start] != "the" || s[start + 1] != "stack" || s[start + 2] != "is") {
    return std::nullopt;
  }
  BoxStack stack(s.begin() + static_cast<long>(start + 3), s.end());
  if (!std::all_of(stack.begin(), stack.end(), is_colour)) return std::nullopt;
  return stack;
}

size_t words_in(std::string_view text) {
  size_t words = 0;
  bool inside = false;
  for (char c : text) {
    const bool space = is_space(c);
    words += !space && !inside;
    inside = !space;
  }
  return words;
}

nlohmann::json share(size_t part, size_t whole) {
  if (whole == 0) return nullptr;
  return static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

BoxChain read_box_chain(std::string_view completion) {
  BoxChain chain;
  const logs::CompletionParts parts = logs::split_completion(completion);
  if (!parts.think) return chain;
  chain.has_think = true;
  const std::string_view think = completion.substr(parts.think->begin, parts.think->size());
  chain.think_words = words_in(think);
  const std::vector<Sentence> sentences = sentences_of(think);
  for (size_t i = 0; i + 1 < sentences.size(); ++i) {
    if (!is_operation(without_step_number(sentences[i]))) continue;
    if (auto stack = stated_stack(without_step_number(sentences[i + 1]))) {
      chain.step_stacks.push_back(std::move(*stack));
    }
  }
  return chain;
}

bool is_box_stacking_row(const nlohmann::json& row) {
  if (!row.is_object()) return false;
  auto stacks = row.find("stacks");
  if (stacks == row.end() || !stacks->is_array()) return false;
  for (const auto& stack : *stacks) {
    if (!stack.is_array()) return false;
    for (const auto& colour : stack) {
      if (!colour.is_string()) return false;
    }
  }
  return true;
}

size_t box_chain_steps_right(const BoxChain& chain, const nlohmann::json& row) {
  if (!is_box_stacking_row(row)) return 0;
  const auto& stacks = row["stacks"];
  size_t right = 0;
  for (size_t i = 0; i < chain.step_stacks.size() && i < stacks.size(); ++i) {
    right += stacks[i].get<BoxStack>() == chain.step_stacks[i];
  }
  return right;
}

bool box_chain_ends_right(const BoxChain& chain, const nlohmann::json& row) {
  if (!chain.holds_chain() || !is_box_stacking_row(row) || row["stacks"].empty()) return false;
  return row["stacks"].back().get<BoxStack>() == chain.step_stacks.back();
}

void ReasoningTally::add(std::string_view completion, const nlohmann::json& row,
                         std::optional<bool> correct) {
  if (!is_box_stacking_row(row)) return;
  const BoxChain chain = read_box_chain(completion);
  ++completions;
  think_words += static_cast<double>(chain.think_words);
  if (chain.holds_chain()) {
    ++with_chain;
    chain_steps_right += box_chain_steps_right(chain, row);
    chain_operations += row["stacks"].size();
    chain_ends_right += box_chain_ends_right(chain, row);
  }
  if (correct) {
    (chain.holds_chain() ? graded_with_chain : graded_without_chain) += 1;
    (chain.holds_chain() ? correct_with_chain : correct_without_chain) += *correct;
  }
}

void ReasoningTally::merge(const ReasoningTally& other) {
  completions += other.completions;
  with_chain += other.with_chain;
  graded_with_chain += other.graded_with_chain;
  correct_with_chain += other.correct_with_chain;
  graded_without_chain += other.graded_without_chain;
  correct_without_chain += other.correct_without_chain;
  chain_steps_right += other.chain_steps_right;
  chain_operations += other.chain_operations;
  chain_ends_right += other.chain_ends_right;
  think_words += other.think_words;
}

nlohmann::json ReasoningTally::to_json() const {
  namespace metric = logs::metric;
  return {{metric::kChainShare, share(with_chain, completions)},
          {metric::kAccuracyWithChain, share(correct_with_chain, graded_with_chain)},
          {metric::kAccuracyWithoutChain, share(correct_without_chain, graded_without_chain)},
          {metric::kStackAccuracy, share(chain_steps_right, chain_operations)},
          {metric::kChainEndAccuracy, share(chain_ends_right, with_chain)},
          {metric::kThinkWords, completions == 0
                                    ? nlohmann::json(nullptr)
                                    : nlohmann::json(think_words / static_cast<double>(completions))}};
}

}  // namespace grpo
