#include "logs/json_lines.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "core/error.h"
#include "logs/gzip_text.h"

namespace grpo::logs {

namespace fs = std::filesystem;

std::string to_json_line(const Json& object) {
  return object.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace);
}

std::string to_json_line(const nlohmann::json& object) {
  return object.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace);
}

namespace {

// Bytes after the last '\n' of an open file (0 when it ends in a newline or is empty).
size_t torn_tail_size(int fd, const fs::path& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) fail("cannot stat '{}': {}", path.string(), std::strerror(errno));
  off_t size = info.st_size;
  off_t position = size;
  char buffer[4096];
  while (position > 0) {
    off_t start = std::max<off_t>(0, position - static_cast<off_t>(sizeof(buffer)));
    ssize_t got = ::pread(fd, buffer, static_cast<size_t>(position - start), start);
    if (got < 0) fail("cannot read '{}': {}", path.string(), std::strerror(errno));
    for (ssize_t i = got - 1; i >= 0; --i) {
      if (buffer[i] == '\n') return static_cast<size_t>(size - (start + i + 1));
    }
    position = start;
  }
  return static_cast<size_t>(size);
}

}  // namespace

JsonlAppender::JsonlAppender(fs::path path, bool sync_each_line)
    : path_(std::move(path)), sync_each_line_(sync_each_line) {
  if (path_.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path_.parent_path(), ec);
    if (ec) fail("cannot create the folder of '{}': {}", path_.string(), ec.message());
  }
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("cannot open '{}' for appending: {}", path_.string(), std::strerror(errno));
  size_t torn = torn_tail_size(fd_, path_);
  if (torn > 0) {
    struct stat info {};
    ::fstat(fd_, &info);
    if (::ftruncate(fd_, info.st_size - static_cast<off_t>(torn)) != 0) {
      int saved = errno;
      close();
      fail("'{}' ends in a torn line ({} bytes) that cannot be cut off: {}", path_.string(), torn,
           std::strerror(saved));
    }
    torn_bytes_dropped_ = torn;
  }
}

JsonlAppender::~JsonlAppender() {
  close();
}

JsonlAppender::JsonlAppender(JsonlAppender&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      sync_each_line_(other.sync_each_line_),
      torn_bytes_dropped_(other.torn_bytes_dropped_) {}

JsonlAppender& JsonlAppender::operator=(JsonlAppender&& other) noexcept {
  if (this != &other) {
    close();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    sync_each_line_ = other.sync_each_line_;
    torn_bytes_dropped_ = other.torn_bytes_dropped_;
  }
  return *this;
}

void JsonlAppender::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void JsonlAppender::append(const Json& object) {
  if (!object.is_object())
    fail("a line of '{}' must be a JSON object, not {}", path_.string(), object.type_name());
  append_line(to_json_line(object));
}

void JsonlAppender::append(const nlohmann::json& object) {
  if (!object.is_object())
    fail("a line of '{}' must be a JSON object, not {}", path_.string(), object.type_name());
  append_line(to_json_line(object));
}

void JsonlAppender::append_line(std::string line) {
  if (fd_ < 0) fail("'{}' is closed (the appender was moved from)", path_.string());
  line.push_back('\n');
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t written = ::write(fd_, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      fail("cannot append to '{}': {}", path_.string(), std::strerror(errno));
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
  if (sync_each_line_ && ::fsync(fd_) != 0)
    fail("cannot flush '{}': {}", path_.string(), std::strerror(errno));
}

JsonLines parse_json_lines(std::string_view text, const std::string& source, size_t first_line_number) {
  JsonLines result;
  size_t line_number = first_line_number - 1;
  size_t position = 0;
  while (position < text.size()) {
    ++line_number;
    size_t end = text.find('\n', position);
    bool has_newline = end != std::string_view::npos;
    if (!has_newline) end = text.size();
    std::string_view line = text.substr(position, end - position);
    position = has_newline ? end + 1 : end;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;

    Json parsed = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded() && parsed.is_object()) {
      result.objects.push_back(std::move(parsed));
      continue;
    }
    if (!has_newline) {
      result.warnings.push_back(
          fmt::format("{}:{}: the last line is incomplete ({} bytes; the run was probably stopped while "
                      "writing it): skipped",
                      source, line_number, line.size()));
    } else {
      std::string start(line.substr(0, 60));
      result.warnings.push_back(
          fmt::format("{}:{}: not a JSON object (starts with {:?}): skipped", source, line_number, start));
    }
  }
  return result;
}

JsonLines read_json_lines(const fs::path& path) {
  Decompressed content = read_maybe_gzipped(path);
  JsonLines result = parse_json_lines(content.text, path.string());
  if (!content.complete) {
    result.warnings.push_back(fmt::format("{}: {}; read the {} bytes before it", path.string(),
                                          content.problem, content.text.size()));
  }
  return result;
}

}  // namespace grpo::logs
