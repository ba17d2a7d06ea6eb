#include "model/tokenizer_files.h"

#include <system_error>

#include "core/files.h"

namespace grpo {

namespace fs = std::filesystem;

const std::vector<std::string>& tokenizer_file_names() {
  static const std::vector<std::string> names{
      "tokenizer.json",      "tokenizer_config.json",   "generation_config.json", "vocab.json",
      "merges.txt",          "special_tokens_map.json", "tokenizer.model",        "added_tokens.json",
      "chat_template.jinja", "chat_template.json"};
  return names;
}

std::vector<std::string> copy_tokenizer_files(const fs::path& from_directory, const fs::path& to_directory) {
  std::vector<std::string> copied;
  std::error_code error;
  if (fs::exists(to_directory) && fs::equivalent(from_directory, to_directory, error)) return copied;
  for (const auto& name : tokenizer_file_names()) {
    const fs::path source = from_directory / name;
    if (!fs::is_regular_file(source)) continue;
    write_file_atomically(to_directory / name, read_file(source));
    copied.push_back(name);
  }
  return copied;
}

}  // namespace grpo
