// Encoding speed of grpo's tokenizer.json implementation against Hugging Face's Rust `tokenizers` (node
// binding, scripts/reference/tokenizers) in the same run, one thread each, on the GSM8K training text: each
// row's question + "\n" + answer encoded as one text, best of 3 rounds (the word cache is warm after the
// first; the Rust library has one too). Reports MB/s by wall clock and by CPU time (steadier on a shared
// machine), and checks that both produced the same number of tokens.
//
//   bench_tokenizer [--tokenizer FILE] [--data train.jsonl] [--no-reference] [--json OUT]
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "bench_support.h"
#include "core/files.h"
#include "tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace grpo;
  const fs::path source = GRPO_SOURCE_DIR;
  std::string tokenizer_file = (source / "../shared/data/tokenizers/qwen3/tokenizer.json").string();
  std::string data_file = (source / "../shared/data/gsm8k/train.jsonl").string();
  std::string json_out;
  bool no_reference = false;
  CLI::App app("Encoding speed: grpo's tokenizer.json against the Rust tokenizers library");
  app.add_option("--tokenizer", tokenizer_file, "tokenizer.json (or a model directory)")
      ->capture_default_str();
  app.add_option("--data", data_file, "GSM8K-style JSONL with question and answer")->capture_default_str();
  app.add_flag("--no-reference", no_reference, "Skip the Rust reference");
  app.add_option("--json", json_out, "Also write the results here");
  CLI11_PARSE(app, argc, argv);
  try {
    std::vector<std::string> rows;
    size_t bytes = 0;
    std::ifstream in(data_file);
    if (!in) fail("cannot read {}; give --data", data_file);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const json row = json::parse(line);
      rows.push_back(row.at("question").get<std::string>() + "\n" + row.at("answer").get<std::string>());
      bytes += rows.back().size();
    }
    const double load_start = wall_seconds();
    const auto tokenizer = load_tokenizer(tokenizer_file);
    const double load_seconds = wall_seconds() - load_start;

    double best_wall = 1e30, best_cpu = 1e30, first_wall = 0;
    size_t tokens = 0;
    for (int round = 0; round < 3; ++round) {
      const double wall = wall_seconds(), cpu = cpu_seconds();
      tokens = 0;
      for (const auto& row : rows) tokens += tokenizer->encode(row).size();
      const double wall_used = wall_seconds() - wall;
      if (round == 0) first_wall = wall_used;
      best_wall = std::min(best_wall, wall_used);
      best_cpu = std::min(best_cpu, cpu_seconds() - cpu);
    }
    json result = {{"tokenizer", tokenizer_file},
                   {"rows", rows.size()},
                   {"bytes", bytes},
                   {"tokens", tokens},
                   {"load_seconds", load_seconds},
                   {"grpo_first_round_mb_per_s", bytes / 1e6 / first_wall},
                   {"grpo_mb_per_s", bytes / 1e6 / best_wall},
                   {"grpo_cpu_mb_per_s", bytes / 1e6 / best_cpu}};
    fmt::print(
        "grpo:      {:.2f} MB/s wall ({:.2f} MB/s the first, cold round), {:.2f} MB/s CPU; {} tokens, "
        "tokenizer loaded in {:.2f} s\n",
        bytes / 1e6 / best_wall, bytes / 1e6 / first_wall, bytes / 1e6 / best_cpu, tokens, load_seconds);
    const fs::path script_dir = source / "scripts" / "reference" / "tokenizers";
    if (!no_reference && fs::exists(script_dir / "node_modules" / "@anush008" / "tokenizers")) {
      const json rust = bench::run_json_command(
          "cd " + bench::shell_quote(script_dir.string()) + " && node make_vectors.mjs --bench " +
              bench::shell_quote(fs::absolute(data_file).string()) + " " +
              bench::shell_quote(fs::absolute(tokenizer_file).string()),
          {"per_call_mb_per_s", "batch_mb_per_s", "tokens"});
      result["rust"] = rust;
      if (!rust.contains("error")) {
        const double rust_wall =
            std::max(rust["per_call_mb_per_s"].get<double>(), rust["batch_mb_per_s"].get<double>());
        const double rust_cpu =
            std::max(rust["per_call_cpu_mb_per_s"].get<double>(), rust["batch_cpu_mb_per_s"].get<double>());
        fmt::print(
            "Rust:      {:.2f} MB/s wall, {:.2f} MB/s CPU (the better of per-call and batch); {} tokens\n",
            rust_wall, rust_cpu, rust["tokens"].get<size_t>());
        fmt::print("grpo/Rust: {:.2f}x wall, {:.2f}x CPU; token counts {}\n",
                   bytes / 1e6 / best_wall / rust_wall, bytes / 1e6 / best_cpu / rust_cpu,
                   rust["tokens"].get<size_t>() == tokens ? "agree" : "DIFFER");
        result["speedup_wall"] = bytes / 1e6 / best_wall / rust_wall;
        result["speedup_cpu"] = bytes / 1e6 / best_cpu / rust_cpu;
      } else {
        fmt::print("Rust reference failed: {}\n", rust["error"].get<std::string>());
      }
    } else if (!no_reference) {
      fmt::print("Rust reference skipped: cd {} && npm ci\n", script_dir.string());
    }
    if (!json_out.empty()) std::ofstream(json_out) << result.dump(2) << "\n";
  } catch (const std::exception& error) {
    fmt::print(stderr, "bench_tokenizer: {}\n", error.what());
    return 1;
  }
  return 0;
}
