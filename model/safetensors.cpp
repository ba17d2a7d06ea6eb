#include "model/safetensors.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "core/error.h"
#include "core/files.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; so must the host be");

namespace grpo {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Hugging Face's safetensors library refuses headers above 100 MB; so do we (a corrupt length is usually
// huge).
constexpr uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000;

struct DtypeInfo {
  const char* name;
  torch::Dtype dtype;
  int64_t bytes;
};

const std::vector<DtypeInfo>& dtype_table() {
  static const std::vector<DtypeInfo> table{
      {"F64", torch::kFloat64, 8},   {"F32", torch::kFloat32, 4}, {"F16", torch::kFloat16, 2},
      {"BF16", torch::kBFloat16, 2}, {"I64", torch::kInt64, 8},   {"I32", torch::kInt32, 4},
      {"I16", torch::kInt16, 2},     {"I8", torch::kInt8, 1},     {"U8", torch::kUInt8, 1},
      {"BOOL", torch::kBool, 1},
  };
  return table;
}

std::string supported_dtype_names() {
  std::string names;
  for (const auto& info : dtype_table()) names += (names.empty() ? "" : ", ") + std::string(info.name);
  return names;
}

const DtypeInfo* find_dtype(const std::string& name) {
  for (const auto& info : dtype_table()) {
    if (name == info.name) return &info;
  }
  return nullptr;
}

const DtypeInfo* find_dtype(torch::Dtype dtype) {
  for (const auto& info : dtype_table()) {
    if (dtype == info.dtype) return &info;
  }
  return nullptr;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

// One tensor as the header describes it; offsets are relative to the start of the data section.
struct HeaderEntry {
  std::string name;
  const DtypeInfo* dtype = nullptr;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

struct ParsedHeader {
  uint64_t data_start = 0;  // 8 + header length
  std::vector<HeaderEntry> entries;
  std::map<std::string, std::string> metadata;
};

HeaderEntry parse_entry(const std::string& file, const std::string& name, const json& value,
                        uint64_t data_size) {
  auto bad = [&](const std::string& what) -> void {
    fail("'{}': tensor '{}': {}; the file is damaged or was not written as safetensors", file, name, what);
  };
  HeaderEntry entry;
  entry.name = name;
  if (!value.is_object()) bad(fmt::format("header entry must be an object, got {}", value.dump()));
  auto dtype = value.find("dtype");
  auto shape = value.find("shape");
  auto offsets = value.find("data_offsets");
  if (dtype == value.end() || !dtype->is_string()) bad("header entry has no \"dtype\" string");
  if (shape == value.end() || !shape->is_array()) bad("header entry has no \"shape\" list");
  if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
    bad("header entry has no \"data_offsets\" pair of non-negative integers");
  }
  entry.dtype = find_dtype(dtype->get<std::string>());
  if (entry.dtype == nullptr) {
    fail("'{}': tensor '{}': unknown dtype \"{}\"; supported: {}", file, name, dtype->get<std::string>(),
         supported_dtype_names());
  }
  // Element count, refusing overflow: a corrupt shape must not wrap around to a small number, neither in the
  // count nor in the byte size (count x dtype size), which is checked against data_offsets below.
  const uint64_t max_elements = (uint64_t{1} << 62) / static_cast<uint64_t>(entry.dtype->bytes);
  uint64_t elements = 1;
  for (const auto& dim : *shape) {
    if (!dim.is_number_unsigned())
      bad(fmt::format("shape {} must hold non-negative integers", shape->dump()));
    uint64_t size = dim.get<uint64_t>();
    if (size > max_elements || (size != 0 && elements > max_elements / size)) {
      bad(fmt::format("shape {} is impossibly large", shape->dump()));
    }
    elements *= size;
    entry.shape.push_back(static_cast<int64_t>(size));
  }
  entry.begin = (*offsets)[0].get<uint64_t>();
  entry.end = (*offsets)[1].get<uint64_t>();
  if (entry.begin > entry.end) {
    fail("'{}': tensor '{}': data_offsets [{}, {}] end before they begin", file, name, entry.begin,
         entry.end);
  }
  if (entry.end > data_size) {
    fail(
        "'{}': tensor '{}': data_offsets [{}, {}] lie outside the data section ({} bytes): the file is "
        "truncated "
        "or its offsets are wrong",
        file, name, entry.begin, entry.end, data_size);
  }
  const uint64_t expected = elements * static_cast<uint64_t>(entry.dtype->bytes);
  if (entry.end - entry.begin != expected) {
    fail("'{}': tensor '{}': shape {} of {} needs {} bytes, but data_offsets [{}, {}] hold {}", file, name,
         shape_string(entry.shape), entry.dtype->name, expected, entry.begin, entry.end,
         entry.end - entry.begin);
  }
  return entry;
}

ParsedHeader parse_header(const fs::path& path, std::ifstream& in) {
  const std::string file = path.string();
  std::error_code ec;
  const uint64_t file_size = fs::file_size(path, ec);
  if (ec) fail("cannot read '{}': {}", file, ec.message());
  if (file_size < 8) {
    fail("'{}' is truncated: {} bytes, but a safetensors file starts with an 8-byte header length", file,
         file_size);
  }
  unsigned char length_bytes[8];
  in.read(reinterpret_cast<char*>(length_bytes), 8);
  if (!in) fail("cannot read the header length of '{}'", file);
  uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | length_bytes[i];  // little-endian
  if (header_length > file_size - 8) {
    fail(
        "'{}': header length {} is larger than the file ({} bytes after the length): the file is truncated "
        "or not "
        "safetensors",
        file, header_length, file_size - 8);
  }
  if (header_length > kMaxHeaderBytes) {
    fail("'{}': header length {} exceeds the {}-byte limit: not a safetensors file", file, header_length,
         kMaxHeaderBytes);
  }
  std::string header_text(header_length, '\0');
  in.read(header_text.data(), static_cast<std::streamsize>(header_length));
  if (!in) fail("cannot read the header of '{}'", file);

  json header;
  try {
    header = json::parse(header_text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e400
    fail("'{}': the header is not valid JSON ({})", file, e.what());
  }
  if (!header.is_object()) fail("'{}': the header must be a JSON object, got {}", file, header.type_name());

  ParsedHeader parsed;
  parsed.data_start = 8 + header_length;
  const uint64_t data_size = file_size - parsed.data_start;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object())
        fail("'{}': __metadata__ must be an object of strings, got {}", file, value.dump());
      for (const auto& [key, text] : value.items()) {
        if (!text.is_string())
          fail("'{}': __metadata__ \"{}\" must be a string, got {}", file, key, text.dump());
        parsed.metadata[key] = text.get<std::string>();
      }
      continue;
    }
    parsed.entries.push_back(parse_entry(file, name, value, data_size));
  }

  // No two tensors may share bytes (empty tensors occupy none).
  std::vector<const HeaderEntry*> by_offset;
  for (const auto& entry : parsed.entries) {
    if (entry.end > entry.begin) by_offset.push_back(&entry);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const HeaderEntry* a, const HeaderEntry* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const HeaderEntry& before = *by_offset[i - 1];
    const HeaderEntry& after = *by_offset[i];
    if (after.begin < before.end) {
      fail(
          "'{}': tensor '{}' (data_offsets [{}, {}]) overlaps tensor '{}' (data_offsets [{}, {}]); the file "
          "is "
          "damaged",
          file, after.name, after.begin, after.end, before.name, before.begin, before.end);
    }
  }
  return parsed;
}

// Writes a file whose content arrives in pieces, atomically (temporary name, fsync, rename).
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(const fs::path& path) : path_(path) {
    temporary_ = path;
    temporary_ += ".tmp." + std::to_string(::getpid());
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd_ < 0) fail("cannot write '{}': {}", temporary_.string(), std::strerror(errno));
  }
  ~AtomicFileWriter() {
    if (fd_ >= 0) {
      ::close(fd_);
      std::error_code ec;
      fs::remove(temporary_, ec);
    }
  }
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* bytes, size_t size) {
    const char* data = static_cast<const char*>(bytes);
    while (size > 0) {
      ssize_t written = ::write(fd_, data, size);
      if (written < 0) {
        if (errno == EINTR) continue;
        fail("cannot write '{}': {}", temporary_.string(), std::strerror(errno));
      }
      data += written;
      size -= static_cast<size_t>(written);
    }
  }

  void commit() {
    if (::fsync(fd_) != 0) fail("cannot flush '{}': {}", temporary_.string(), std::strerror(errno));
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
      std::error_code ec;
      fs::remove(temporary_, ec);
      fail("cannot close '{}': {}", temporary_.string(), std::strerror(errno));
    }
    rename_atomically(temporary_, path_);
  }

 private:
  fs::path path_, temporary_;
  int fd_ = -1;
};

int64_t tensor_bytes(const torch::Tensor& tensor) {
  return tensor.numel() * static_cast<int64_t>(tensor.element_size());
}

}  // namespace

SafetensorsFile read_safetensors(const fs::path& path) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail("cannot open '{}': {}", file, fs::exists(path) ? std::strerror(errno) : "no such file");
  }
  ParsedHeader header = parse_header(path, in);
  SafetensorsFile result;
  result.metadata = header.metadata;
  for (const auto& entry : header.entries) {
    auto tensor = torch::empty(entry.shape, torch::TensorOptions().dtype(entry.dtype->dtype));
    const uint64_t bytes = entry.end - entry.begin;
    if (bytes > 0) {
      in.seekg(static_cast<std::streamoff>(header.data_start + entry.begin));
      in.read(static_cast<char*>(tensor.data_ptr()), static_cast<std::streamsize>(bytes));
      if (!in)
        fail("'{}': tensor '{}': could not read its {} bytes: the file is truncated", file, entry.name,
             bytes);
    }
    result.tensors.emplace(entry.name, std::move(tensor));
  }
  return result;
}

void write_safetensors(const fs::path& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata) {
  // Widest dtypes first, then by name: every tensor's data stays aligned to its element size (as HF does).
  std::vector<std::pair<std::string, torch::Tensor>> ordered;
  for (const auto& [name, tensor] : tensors) {
    if (name.empty() || name == "__metadata__")
      fail("'{}': cannot store a tensor named '{}'", path.string(), name);
    if (!tensor.defined()) fail("'{}': tensor '{}' is undefined", path.string(), name);
    if (find_dtype(tensor.scalar_type()) == nullptr) {
      fail("'{}': tensor '{}' has dtype {}, which safetensors here does not store; supported: {}",
           path.string(), name, c10::toString(tensor.scalar_type()), supported_dtype_names());
    }
    ordered.emplace_back(name, tensor.detach().to(torch::kCPU).contiguous());
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.second.element_size() > b.second.element_size();
  });

  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : ordered) {
    const uint64_t bytes = static_cast<uint64_t>(tensor_bytes(tensor));
    header[name] = {{"dtype", find_dtype(tensor.scalar_type())->name},
                    {"shape", tensor.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string header_text = header.dump();
  header_text.append((8 - header_text.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  unsigned char length_bytes[8];
  uint64_t length = header_text.size();
  for (int i = 0; i < 8; ++i) length_bytes[i] = static_cast<unsigned char>(length >> (8 * i));

  AtomicFileWriter writer(path);
  writer.write(length_bytes, 8);
  writer.write(header_text.data(), header_text.size());
  for (const auto& [name, tensor] : ordered) {
    writer.write(tensor.data_ptr(), static_cast<size_t>(tensor_bytes(tensor)));
  }
  writer.commit();
}

std::map<std::string, SafetensorsEntry> read_safetensors_header(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail("cannot open '{}': {}", path.string(), fs::exists(path) ? std::strerror(errno) : "no such file");
  std::map<std::string, SafetensorsEntry> entries;
  for (const auto& entry : parse_header(path, in).entries) {
    entries[entry.name] = SafetensorsEntry{entry.dtype->name, entry.shape};
  }
  return entries;
}

}  // namespace grpo
