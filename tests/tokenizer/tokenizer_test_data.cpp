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
  // A fixed-seed text over a small vocabulary of words, numbers and punctuation, enough for a 1000-piece
  // model.
  const std::vector<std::string> words = {
      "the",     "a",      "student", "teacher", "apples",  "books",    "school", "counts", "buys",
      "sells",   "each",   "every",   "day",     "morning", "evening",  "total",  "many",   "how",
      "more",    "less",   "than",    "twice",   "half",    "of",       "with",   "and",    "then",
      "after",   "before", "town",    "market",  "friend",  "gives",    "takes",  "store",  "price",
      "dollar",  "cents",  "minutes", "hours",   "river",   "mountain", "quiet",  "bright", "slowly",
      "quickly", "was",    "were",    "is",      "are"};
  std::mt19937 random(7);
  std::ofstream out(directory / "generated.txt");
  for (int line = 0; line < 3000; ++line) {
    const int length = 6 + static_cast<int>(random() % 12);
    for (int i = 0; i < length; ++i) {
      if (i) out << ' ';
      if (random() % 7 == 0) {
        out << random() % 1000;
      } else {
        std::string word = words[random() % words.size()];
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
