// Small file helpers: whole-file reads with clear errors, atomic writes (temporary name, fsync, rename).
#pragma once

#include <filesystem>
#include <string>

namespace grpo {

// Reads a whole file; throws grpo::Error naming the path when it cannot.
std::string read_file(const std::filesystem::path& path);

// Writes `content` to `path` atomically: a reader sees the old file or the new one, never a torn one.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

// Makes `target` appear atomically by renaming `staging` onto it (directories or files); fsyncs the parent.
void rename_atomically(const std::filesystem::path& staging, const std::filesystem::path& target);

// fsync a file or directory by path (best effort for directories).
void sync_path(const std::filesystem::path& path);

}  // namespace grpo
