// Finds and opens libgrpo_sentencepiece.so (the SentencePiece shim) at run time and resolves its C interface.
// Search order: $GRPO_SENTENCEPIECE_LIB; beside the running executable (its directory, lib/ and ../lib/);
// the build tree it was compiled in; finally the dynamic loader's own search path.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tokenizer/sentencepiece_c_api.h"

namespace grpo {

struct SentencePieceLibrary {
  std::filesystem::path path;  // the file that was opened
  decltype(&grpo_sp_load_file) load_file = nullptr;
  decltype(&grpo_sp_load_bytes) load_bytes = nullptr;
  decltype(&grpo_sp_free_model) free_model = nullptr;
  decltype(&grpo_sp_free_buffer) free_buffer = nullptr;
  decltype(&grpo_sp_encode) encode = nullptr;
  decltype(&grpo_sp_decode) decode = nullptr;
  decltype(&grpo_sp_vocab_size) vocab_size = nullptr;
  decltype(&grpo_sp_id_to_piece) id_to_piece = nullptr;
  decltype(&grpo_sp_piece_to_id) piece_to_id = nullptr;
  decltype(&grpo_sp_piece_type) piece_type = nullptr;
  decltype(&grpo_sp_unk_id) unk_id = nullptr;
  decltype(&grpo_sp_bos_id) bos_id = nullptr;
  decltype(&grpo_sp_eos_id) eos_id = nullptr;
  decltype(&grpo_sp_pad_id) pad_id = nullptr;
  decltype(&grpo_sp_train) train = nullptr;

  // Takes a message the shim allocated (may be null) and returns it as a string, releasing the buffer.
  std::string take_error(char* error) const;
};

// The shim, opened once per process; throws grpo::Error listing every place searched when it cannot be
// opened.
const SentencePieceLibrary& sentencepiece_library();

// Where sentencepiece_library() looks, in order (for error messages and tests).
std::vector<std::filesystem::path> sentencepiece_library_candidates();

}  // namespace grpo
