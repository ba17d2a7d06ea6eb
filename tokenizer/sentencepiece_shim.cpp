// libgrpo_sentencepiece.so: SentencePiece behind the plain C interface of sentencepiece_c_api.h.
// Built as its own shared library and opened with dlopen(RTLD_LOCAL | RTLD_DEEPBIND), so that the protobuf
// copy inside Debian's libsentencepiece binds to itself and never to LibTorch's libprotobuf (ENVIRONMENT.md,
// trap 1). No C++ object crosses this boundary: only C strings, arrays and an opaque handle.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/sentencepiece_c_api.h"

struct grpo_sp_model {
  sentencepiece::SentencePieceProcessor processor;
  std::vector<int> piece_types;  // [vocab size], grpo_sp_piece_type of each id
};

namespace {

char* copy_to_buffer(const std::string& text) {
  char* buffer = static_cast<char*>(std::malloc(text.size() + 1));
  if (!buffer) return nullptr;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  return buffer;
}

void set_error(char** error, const std::string& message) {
  if (error) *error = copy_to_buffer(message);
}

// Minimal protobuf wire-format reader for ModelProto: the public SentencePiece API of this version has no
// "is user defined" query, so the piece types are read from the serialized model. ModelProto field 1 is the
// repeated SentencePiece message, whose field 3 is the type (NORMAL when absent).
class WireReader {
 public:
  WireReader(const char* data, size_t size) : position_(data), end_(data + size) {}
  bool at_end() const { return position_ >= end_; }

  bool read_varint(uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (position_ >= end_) return false;
      const auto byte = static_cast<uint8_t>(*position_++);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  // Reads one field's key; for length-delimited fields also its payload, for others skips the value.
  bool read_field(uint32_t& number, uint32_t& wire_type, const char*& payload, size_t& payload_size,
                  uint64_t& varint) {
    uint64_t key = 0;
    if (!read_varint(key)) return false;
    number = static_cast<uint32_t>(key >> 3);
    wire_type = static_cast<uint32_t>(key & 7);
    payload = nullptr;
    payload_size = 0;
    switch (wire_type) {
      case 0:
        return read_varint(varint);
      case 1:
        return skip(8);
      case 2: {
        uint64_t length = 0;
        if (!read_varint(length) || length > static_cast<uint64_t>(end_ - position_)) return false;
        payload = position_;
        payload_size = static_cast<size_t>(length);
        position_ += length;
        return true;
      }
      case 5:
        return skip(4);
      default:
        return false;
    }
  }

 private:
  bool skip(size_t bytes) {
    if (bytes > static_cast<size_t>(end_ - position_)) return false;
    position_ += bytes;
    return true;
  }

  const char* position_;
  const char* end_;
};

std::vector<int> read_piece_types(const std::string& serialized_model) {
  std::vector<int> types;
  WireReader model(serialized_model.data(), serialized_model.size());
  uint32_t number = 0, wire_type = 0;
  const char* payload = nullptr;
  size_t payload_size = 0;
  uint64_t varint = 0;
  while (!model.at_end() && model.read_field(number, wire_type, payload, payload_size, varint)) {
    if (number != 1 || wire_type != 2) continue;
    int type = GRPO_SP_NORMAL;
    WireReader piece(payload, payload_size);
    uint32_t piece_number = 0, piece_wire_type = 0;
    const char* piece_payload = nullptr;
    size_t piece_payload_size = 0;
    uint64_t piece_varint = 0;
    while (!piece.at_end() &&
           piece.read_field(piece_number, piece_wire_type, piece_payload, piece_payload_size, piece_varint)) {
      if (piece_number == 3 && piece_wire_type == 0) type = static_cast<int>(piece_varint);
    }
    types.push_back(type);
  }
  return types;
}

grpo_sp_model* finish_load(std::unique_ptr<grpo_sp_model> model, const sentencepiece::util::Status& status,
                           char** error) {
  if (!status.ok()) {
    set_error(error, status.ToString());
    return nullptr;
  }
  model->piece_types = read_piece_types(model->processor.serialized_model_proto());
  if (static_cast<int>(model->piece_types.size()) != model->processor.GetPieceSize()) {
    set_error(error, "the model's piece list could not be read (" +
                         std::to_string(model->piece_types.size()) + " pieces parsed, " +
                         std::to_string(model->processor.GetPieceSize()) + " expected)");
    return nullptr;
  }
  return model.release();
}

bool valid_id(const grpo_sp_model* model, int32_t id) {
  return id >= 0 && id < static_cast<int32_t>(model->piece_types.size());
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int grpo_sp_api_version(void) {
  return GRPO_SP_API_VERSION;
}

__attribute__((visibility("default"))) grpo_sp_model* grpo_sp_load_file(const char* path, char** error) {
  try {
    auto model = std::make_unique<grpo_sp_model>();
    auto status = model->processor.Load(path);
    return finish_load(std::move(model), status, error);
  } catch (const std::exception& e) {
    set_error(error, e.what());
    return nullptr;
  }
}

__attribute__((visibility("default"))) grpo_sp_model* grpo_sp_load_bytes(const char* data, size_t size,
                                                                         char** error) {
  try {
    auto model = std::make_unique<grpo_sp_model>();
    auto status = model->processor.LoadFromSerializedProto(absl::string_view(data, size));
    return finish_load(std::move(model), status, error);
  } catch (const std::exception& e) {
    set_error(error, e.what());
    return nullptr;
  }
}

__attribute__((visibility("default"))) void grpo_sp_free_model(grpo_sp_model* model) {
  delete model;
}

__attribute__((visibility("default"))) void grpo_sp_free_buffer(void* buffer) {
  std::free(buffer);
}

__attribute__((visibility("default"))) int grpo_sp_encode(const grpo_sp_model* model, const char* text,
                                                          size_t text_size, int32_t** ids, size_t* count,
                                                          char** error) {
  try {
    std::vector<int> encoded;
    auto status = model->processor.Encode(absl::string_view(text, text_size), &encoded);
    if (!status.ok()) {
      set_error(error, status.ToString());
      return -1;
    }
    *count = encoded.size();
    *ids = static_cast<int32_t*>(std::malloc(std::max<size_t>(encoded.size(), 1) * sizeof(int32_t)));
    if (!*ids) {
      set_error(error, "out of memory");
      return -1;
    }
    for (size_t i = 0; i < encoded.size(); ++i) (*ids)[i] = encoded[i];
    return 0;
  } catch (const std::exception& e) {
    set_error(error, e.what());
    return -1;
  }
}

__attribute__((visibility("default"))) int grpo_sp_decode(const grpo_sp_model* model, const int32_t* ids,
                                                          size_t count, char** text, size_t* text_size,
                                                          char** error) {
  try {
    std::vector<int> decoded_ids(count);
    for (size_t i = 0; i < count; ++i) {
      if (!valid_id(model, ids[i])) {
        set_error(error, "token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                             " is outside the vocabulary [0, " + std::to_string(model->piece_types.size()) +
                             ")");
        return -1;
      }
      decoded_ids[i] = ids[i];
    }
    std::string decoded;
    auto status = model->processor.Decode(decoded_ids, &decoded);
    if (!status.ok()) {
      set_error(error, status.ToString());
      return -1;
    }
    *text = copy_to_buffer(decoded);
    if (!*text) {
      set_error(error, "out of memory");
      return -1;
    }
    *text_size = decoded.size();
    return 0;
  } catch (const std::exception& e) {
    set_error(error, e.what());
    return -1;
  }
}

__attribute__((visibility("default"))) int32_t grpo_sp_vocab_size(const grpo_sp_model* model) {
  return static_cast<int32_t>(model->piece_types.size());
}

__attribute__((visibility("default"))) const char* grpo_sp_id_to_piece(const grpo_sp_model* model, int32_t id,
                                                                       size_t* piece_size) {
  if (!valid_id(model, id)) return nullptr;
  const std::string& piece = model->processor.IdToPiece(id);
  *piece_size = piece.size();
  return piece.c_str();
}

__attribute__((visibility("default"))) int32_t grpo_sp_piece_to_id(const grpo_sp_model* model,
                                                                   const char* piece, size_t piece_size) {
  const absl::string_view wanted(piece, piece_size);
  const int id = model->processor.PieceToId(wanted);
  // SentencePiece answers the unknown id for pieces it lacks; only the unknown piece itself maps there.
  if (id == model->processor.unk_id() && model->processor.IdToPiece(id) != wanted) return -1;
  return id;
}

__attribute__((visibility("default"))) int grpo_sp_piece_type(const grpo_sp_model* model, int32_t id) {
  return valid_id(model, id) ? model->piece_types[id] : 0;
}

__attribute__((visibility("default"))) int32_t grpo_sp_unk_id(const grpo_sp_model* model) {
  return model->processor.unk_id();
}
__attribute__((visibility("default"))) int32_t grpo_sp_bos_id(const grpo_sp_model* model) {
  return model->processor.bos_id();
}
__attribute__((visibility("default"))) int32_t grpo_sp_eos_id(const grpo_sp_model* model) {
  return model->processor.eos_id();
}
__attribute__((visibility("default"))) int32_t grpo_sp_pad_id(const grpo_sp_model* model) {
  return model->processor.pad_id();
}

__attribute__((visibility("default"))) int grpo_sp_train(const char* const* keys, const char* const* values,
                                                         size_t option_count, char** model_bytes,
                                                         size_t* model_size, char** error) {
  try {
    std::unordered_map<std::string, std::string> options;
    for (size_t i = 0; i < option_count; ++i) options[keys[i]] = values[i];
    std::string serialized;
    auto status = sentencepiece::SentencePieceTrainer::Train(options, nullptr, &serialized);
    if (!status.ok()) {
      set_error(error, status.ToString());
      return -1;
    }
    *model_bytes = static_cast<char*>(std::malloc(std::max<size_t>(serialized.size(), 1)));
    if (!*model_bytes) {
      set_error(error, "out of memory");
      return -1;
    }
    std::memcpy(*model_bytes, serialized.data(), serialized.size());
    *model_size = serialized.size();
    return 0;
  } catch (const std::exception& e) {
    set_error(error, e.what());
    return -1;
  }
}

}  // extern "C"
