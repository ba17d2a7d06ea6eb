#include "test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

namespace grpo::testing {

namespace fs = std::filesystem;

fs::path source_dir() { return GRPO_SOURCE_DIR; }
fs::path binary_dir() { return GRPO_BINARY_DIR; }

fs::path shared_data_dir() {
  if (const char* env = std::getenv("GRPO_SHARED_DATA")) return env;
  fs::path candidate = source_dir().parent_path() / "shared" / "data";
  if (fs::exists(candidate)) return candidate;
  return {};
}

fs::path grpo_executable() { return binary_dir() / "grpo"; }

std::string python_with_torch() {
  static std::string cached = [] {
    std::string python = GRPO_PYTHON;
    if (python.empty()) return std::string();
    std::string check = "'" + python + "' -c 'import torch' >/dev/null 2>&1";
    return std::system(check.c_str()) == 0 ? python : std::string();
  }();
  return cached;
}

TempDir::TempDir() {
  std::random_device device;
  std::string name = "grpo-test-" + std::to_string(::getpid()) + "-" + std::to_string(device());
  path_ = fs::temp_directory_path() / name;
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

CommandResult run_command(const std::string& command_line) {
  CommandResult result;
  std::string full = command_line + " 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command_line);
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace grpo::testing
