// A scratch file for fuzz targets whose parser reads a path: each input is written there first. It lives in
// memory (/dev/shm) where there is one: rewriting a file on a disk 100,000 times is disk-bound (ext4 flushes
// a truncated-and-rewritten file on close), which made a run 10x slower on a busy machine.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace grpo::fuzz {

class ScratchFile {
 public:
  explicit ScratchFile(const std::string& file_name) {
    std::error_code ec;
    const std::filesystem::path base =
        std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : std::filesystem::temp_directory_path();
    std::string pattern = (base / "grpo_fuzz_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("fuzz: cannot create " + pattern);
    directory_ = pattern;
    path_ = directory_ / file_name;
  }
  ~ScratchFile() {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  const std::filesystem::path& write(const std::string& bytes) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path_;
  }

 private:
  std::filesystem::path directory_;
  std::filesystem::path path_;
};

}  // namespace grpo::fuzz
