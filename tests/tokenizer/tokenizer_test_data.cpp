#include "tokenizer/tokenizer_test_data.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <random>

#include "test_support.h"

namespace grpo::testing {

namespace fs = std::filesystem;

fs::path real_sentencepiece_model() {
  const fs::path data = shared_data_dir();
  if (data.empty()) return {};
  const fs::path model = data / "sentencepiece" / "test_model.model";
  return fs::exists(model) ? model : fs::path();
}

fs::path training_text(const fs::path& directory) {
  const fs::path data = shared_data_dir();
  if (!data.empty() && fs::exists(data / "sentencepiece" / "botchan.txt"))
    return data / "sentencepiece" / "botchan.txt";
  // A fixed-seed text, rich enough for a 1000-piece model of any type: common words plus 1,500 made-up words
  // of two to four syllables (so unigram and BPE find many distinct pieces), numbers and punctuation.
  std::vector<std::string> words = {
      "the",     "a",      "student", "teacher", "apples",  "books",    "school", "counts", "buys",
      "sells",   "each",   "every",   "day",     "morning", "evening",  "total",  "many",   "how",
      "more",    "less",   "than",    "twice",   "half",    "of",       "with",   "and",    "then",
      "after",   "before", "town",    "market",  "friend",  "gives",    "takes",  "store",  "price",
      "dollar",  "cents",  "minutes", "hours",   "river",   "mountain", "quiet",  "bright", "slowly",
      "quickly", "was",    "were",    "is",      "are"};
  const std::vector<std::string> onsets = {"b",  "c", "d", "f", "g", "h", "j", "k",  "l",  "m",  "n",  "p",
                                           "qu", "r", "s", "t", "v", "w", "z", "br", "st", "tr", "ch", "sh"};
  const std::vector<std::string> vowels = {"a", "e", "i", "o", "u", "ai", "ea", "ou"};
  std::mt19937 random(7);
  while (words.size() < 1550) {
    std::string word;
    const int syllables = 2 + static_cast<int>(random() % 3);
    for (int i = 0; i < syllables; ++i)
      word += onsets[random() % onsets.size()] + vowels[random() % vowels.size()];
    words.push_back(word);
  }
  std::ofstream out(directory / "generated.txt");
  for (int line = 0; line < 6000; ++line) {
    const int length = 6 + static_cast<int>(random() % 12);
    for (int i = 0; i < length; ++i) {
      if (i) out << ' ';
      if (random() % 7 == 0) {
        out << random() % 1000;
      } else {
        // Common words more often than made-up ones: half the draws come from the first 50.
        std::string word = random() % 2 == 0 ? words[random() % 50] : words[random() % words.size()];
        if (i == 0) word[0] = static_cast<char>(word[0] - 'a' + 'A');
        out << word;
      }
    }
    out << (random() % 4 == 0 ? "?" : ".") << '\n';
  }
  return directory / "generated.txt";
}

std::vector<std::string> gsm8k_test_questions(size_t limit) {
  std::vector<std::string> questions;
  const fs::path data = shared_data_dir();
  if (data.empty()) return questions;
  std::ifstream in(data / "gsm8k" / "test.jsonl");
  std::string line;
  while (questions.size() < limit && std::getline(in, line)) {
    questions.push_back(nlohmann::json::parse(line).at("question").get<std::string>());
  }
  return questions;
}

}  // namespace grpo::testing
