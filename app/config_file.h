// Config files (--config run.toml, --dump-config, a run's config.toml): the options as TOML that --config
// reads back, and a check that every key and section of a file names an option, so that a typo is an error,
// not a silently ignored line.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace grpo::app {

// The global options, then one [section] per chosen subcommand ([train], [data.generate]) with its options:
// the values given, else the defaults. Options neither given nor with a default are written as comments. With
// `descriptions`, each option's help text precedes it as a comment.
std::string options_as_toml(const CLI::App& root, bool descriptions);

// Throws grpo::Error for the first key or section of the file at `path` that names no option ("run.toml:3:
// unknown key 'max-step' in [train]; did you mean 'max-steps'?"), or for a key that cannot be set in a file.
void check_config_file(const CLI::App& root, const std::string& path);

// The file named by --config FILE (or --config=FILE) on a command line, or "" when none is.
std::string config_file_argument(int argc, const char* const* argv);

}  // namespace grpo::app
