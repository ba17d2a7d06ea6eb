#include "core/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace grpo {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open '{}': {}", path.string(), std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) fail("error while reading '{}'", path.string());
  return buffer.str();
}

void sync_path(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void write_file_atomically(const fs::path& path, const std::string& content) {
  fs::path temporary = path;
  temporary += ".tmp." + std::to_string(::getpid());
  {
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail("cannot write '{}': {}", temporary.string(), std::strerror(errno));
    const char* data = content.data();
    size_t left = content.size();
    while (left > 0) {
      ssize_t written = ::write(fd, data, left);
      if (written < 0) {
        if (errno == EINTR) continue;
        int saved = errno;
        ::close(fd);
        fs::remove(temporary);
        fail("cannot write '{}': {}", temporary.string(), std::strerror(saved));
      }
      data += written;
      left -= static_cast<size_t>(written);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
      fs::remove(temporary);
      fail("cannot flush '{}': {}", temporary.string(), std::strerror(errno));
    }
  }
  rename_atomically(temporary, path);
}

void rename_atomically(const fs::path& staging, const fs::path& target) {
  std::error_code ec;
  fs::rename(staging, target, ec);
  if (ec) fail("cannot rename '{}' to '{}': {}", staging.string(), target.string(), ec.message());
  fs::path parent = target.parent_path();
  sync_path(parent.empty() ? fs::path(".") : parent);
}

}  // namespace grpo
