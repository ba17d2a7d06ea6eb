// Command-line mistakes as one line that says what was wrong and what to do ("unknown option '--max-step' for
// `grpo train`; did you mean '--max-steps'?"), and the exit codes of `grpo`.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace grpo::app {

// Exit codes (README, "The command line"): 0 done; 1 an error while running (bad data, a missing file, a
// failing reward); 2 a command-line or config-file mistake (nothing was run).
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

// The message for a parse error of `root` (after root.parse threw it), without the "grpo: error: " prefix.
std::string usage_error_message(const CLI::App& root, const CLI::ParseError& error);

}  // namespace grpo::app
