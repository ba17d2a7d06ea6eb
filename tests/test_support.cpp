#include "test_support.h"

#include "browser_page.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <stdexcept>

namespace grpo::testing {

namespace fs = std::filesystem;

fs::path source_dir() {
  return GRPO_SOURCE_DIR;
}
fs::path binary_dir() {
  return GRPO_BINARY_DIR;
}

fs::path shared_data_dir() {
  if (const char* env = std::getenv("GRPO_SHARED_DATA")) return env;
  fs::path candidate = source_dir().parent_path() / "shared" / "data";
  if (fs::exists(candidate)) return candidate;
  return {};
}

fs::path grpo_executable() {
  return binary_dir() / "grpo";
}

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

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted.push_back(c);
    }
  }
  return quoted + "'";
}

std::string BrowserPage::attribute(const std::string& name) const {
  std::smatch match;
  if (std::regex_search(status_tag, match, std::regex(name + "=\"([^\"]*)\""))) return match[1];
  return "";
}

bool have_chromium() {
  return std::system("command -v chromium >/dev/null 2>&1") == 0;
}

BrowserPage load_in_chromium(const fs::path& page, const std::string& hash) {
  TempDir profile;
  std::string url = "file://" + page.string() + hash;
  std::string command =
      "(chromium --headless --no-sandbox --disable-gpu --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir=" +
      shell_quote(profile.path().string()) + " --virtual-time-budget=5000 --dump-dom " + shell_quote(url) +
      " 2>/dev/null)";
  CommandResult result = run_command(command);
  BrowserPage loaded;
  loaded.dom = result.output;
  size_t at = loaded.dom.find("id=\"status\"");
  if (at != std::string::npos) {
    size_t open = loaded.dom.rfind('<', at);
    size_t close = loaded.dom.find('>', at);
    loaded.status_tag = loaded.dom.substr(open, close - open + 1);
  }
  return loaded;
}

int chart_points(const std::string& dom, const std::string& chart) {
  std::smatch match;
  if (!std::regex_search(dom, match, std::regex("data-chart=\"" + chart + "\"[^>]*data-points=\"(\\d+)\"")))
    return -1;
  return std::stoi(match[1]);
}

}  // namespace grpo::testing
