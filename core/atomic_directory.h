// Publishing a directory atomically: fsync all of it, then put it in place of another in one step.
#pragma once

#include <filesystem>

namespace grpo {

// Puts the directory `staging` in the place of `target` in one atomic step: where `target` exists, the two
// are exchanged (Linux renameat2 RENAME_EXCHANGE) so that a crash leaves the old one or the new one under the
// name, never neither, and the old one is then removed. Fsyncs the parent.
void replace_directory_atomically(const std::filesystem::path& staging, const std::filesystem::path& target);

// fsync every file and directory under `directory`, and the directory itself, so that a rename of it that
// follows publishes complete contents.
void sync_tree(const std::filesystem::path& directory);

}  // namespace grpo
