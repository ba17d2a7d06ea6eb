// Reads the options written after a reward's name in a spec: "accuracy:field=gold:tolerance=1e-4",
// "format:lenient". Options are separated by ':'; each is key=value or a bare word. Unknown ones are errors.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace grpo {

class SpecArguments {
 public:
  // `reward` names the reward in error messages; `argument` is the text after "name:" ("" when none).
  SpecArguments(std::string reward, const std::string& argument);

  std::string get_string(const std::string& key, const std::string& fallback);
  double get_double(const std::string& key, double fallback);
  int64_t get_int(const std::string& key, int64_t fallback);
  std::optional<std::string> find(const std::string& key);
  // The bare words (in order), e.g. {"lenient"}.
  const std::vector<std::string>& words() const { return words_; }
  // Throws naming every key the reward did not read, and the keys it accepts.
  void check_all_used(const std::vector<std::string>& accepted) const;

 private:
  std::string reward_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> words_;
  std::set<std::string> used_;
};

}  // namespace grpo
