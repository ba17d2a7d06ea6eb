#include "logs/gzip_text.h"

#include <zlib.h>

#include <system_error>

#include "core/error.h"
#include "core/files.h"

namespace grpo::logs {

namespace fs = std::filesystem;

namespace {
constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip header
constexpr int kAutoWindowBits = 15 + 32;  // detect gzip or zlib header
constexpr size_t kChunk = 1 << 16;
}  // namespace

bool looks_gzipped(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

std::string gzip_compress(std::string_view data, int level) {
  if (level < 1 || level > 9) fail("gzip level {} is out of range: use 1 (fast) to 9 (small)", level);
  z_stream stream{};
  if (deflateInit2(&stream, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    fail("zlib could not start compressing (deflateInit2 failed)");
  }
  std::string out;
  out.resize(deflateBound(&stream, static_cast<uLong>(data.size())) + 64);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  int status = Z_OK;
  size_t produced = 0;
  // deflateBound is enough for one call, but keep a loop for inputs above uInt's range.
  while (status != Z_STREAM_END) {
    if (produced == out.size()) out.resize(out.size() * 2);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    stream.avail_out = static_cast<uInt>(out.size() - produced);
    status = deflate(&stream, Z_FINISH);
    produced = out.size() - stream.avail_out;
    if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
      deflateEnd(&stream);
      fail("zlib failed while compressing (deflate returned {})", status);
    }
  }
  deflateEnd(&stream);
  out.resize(produced);
  return out;
}

Decompressed gzip_decompress(std::string_view data) {
  Decompressed result;
  z_stream stream{};
  if (inflateInit2(&stream, kAutoWindowBits) != Z_OK)
    fail("zlib could not start inflating (inflateInit2 failed)");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string chunk(kChunk, '\0');
  while (true) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk.data());
    stream.avail_out = static_cast<uInt>(chunk.size());
    int status = inflate(&stream, Z_NO_FLUSH);
    result.text.append(chunk.data(), chunk.size() - stream.avail_out);
    if (status == Z_STREAM_END) {
      if (stream.avail_in == 0) break;
      inflateReset(&stream);  // another gzip member follows
      continue;
    }
    if (status == Z_OK) continue;
    if (status == Z_BUF_ERROR && stream.avail_out == 0) continue;  // output chunk full: drain and go on
    if (status == Z_BUF_ERROR) {
      result.complete = false;
      result.problem = "the compressed data ends early (file cut short)";
      break;
    }
    result.complete = false;
    result.problem = stream.msg ? stream.msg : "corrupt compressed data";
    break;
  }
  inflateEnd(&stream);
  return result;
}

Decompressed read_maybe_gzipped(const fs::path& path) {
  std::string raw = read_file(path);
  if (!looks_gzipped(raw)) return Decompressed{std::move(raw), true, {}};
  return gzip_decompress(raw);
}

void gzip_file_in_place(const fs::path& source, const fs::path& target, int level) {
  write_file_atomically(target, gzip_compress(read_file(source), level));
  std::error_code ec;
  fs::remove(source, ec);
  if (ec) fail("compressed '{}' but cannot remove it: {}", source.string(), ec.message());
}

}  // namespace grpo::logs
