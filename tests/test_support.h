// Helpers shared by the tests: where the source, build and shared data are; temporary directories; running a
// real subprocess and capturing its output.
#pragma once

#include <filesystem>
#include <string>

namespace grpo::testing {

std::filesystem::path source_dir();
std::filesystem::path binary_dir();
// ../shared/data beside the checkout, or empty when absent (tests then GTEST_SKIP with a message).
std::filesystem::path shared_data_dir();
// Path to the built `grpo` executable.
std::filesystem::path grpo_executable();
// Python with torch for reference tests, or empty when unavailable.
std::string python_with_torch();

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// Runs a shell command line (through /bin/sh) and captures its output.
CommandResult run_command(const std::string& command_line);

void write_text(const std::filesystem::path& path, const std::string& text);

}  // namespace grpo::testing
