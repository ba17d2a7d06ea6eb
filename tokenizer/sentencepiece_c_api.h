// The plain C interface of libgrpo_sentencepiece.so, the shim that keeps SentencePiece (and the protobuf copy
// inside Debian's libsentencepiece) out of the process's global symbol scope, away from LibTorch's protobuf.
// grpo_tokenizer opens the shim with dlopen and resolves these names; nothing else includes SentencePiece.
//
// Conventions: functions returning int return 0 on success and -1 on failure, setting *error to a message
// allocated by the shim. Every buffer the shim hands out (messages, id arrays, text, model bytes) is released
// with grpo_sp_free_buffer, never with the caller's free().
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grpo_sp_model grpo_sp_model;

// Piece types, as SentencePiece's ModelProto stores them.
enum grpo_sp_piece_type {
  GRPO_SP_NORMAL = 1,
  GRPO_SP_UNKNOWN = 2,
  GRPO_SP_CONTROL = 3,
  GRPO_SP_USER_DEFINED = 4,
  GRPO_SP_UNUSED = 5,
  GRPO_SP_BYTE = 6,
};

// Version of this interface; the loader refuses a shim built for another one.
int grpo_sp_api_version(void);

grpo_sp_model* grpo_sp_load_file(const char* path, char** error);
grpo_sp_model* grpo_sp_load_bytes(const char* data, size_t size, char** error);
void grpo_sp_free_model(grpo_sp_model* model);
void grpo_sp_free_buffer(void* buffer);

// Text -> ids (no bos/eos). *ids receives `*count` ids.
int grpo_sp_encode(const grpo_sp_model* model, const char* text, size_t text_size, int32_t** ids,
                   size_t* count, char** error);
// Ids -> text; every id must be in [0, vocab size). *text receives `*text_size` bytes (plus a terminating
// NUL).
int grpo_sp_decode(const grpo_sp_model* model, const int32_t* ids, size_t count, char** text,
                   size_t* text_size, char** error);

int32_t grpo_sp_vocab_size(const grpo_sp_model* model);
// The piece's text, owned by the model (valid while it lives); NULL when id is out of range.
const char* grpo_sp_id_to_piece(const grpo_sp_model* model, int32_t id, size_t* piece_size);
// The piece's id, or -1 when the vocabulary has no such piece.
int32_t grpo_sp_piece_to_id(const grpo_sp_model* model, const char* piece, size_t piece_size);
// One of grpo_sp_piece_type, or 0 when id is out of range.
int grpo_sp_piece_type(const grpo_sp_model* model, int32_t id);
// Reserved ids; -1 when the model has none.
int32_t grpo_sp_unk_id(const grpo_sp_model* model);
int32_t grpo_sp_bos_id(const grpo_sp_model* model);
int32_t grpo_sp_eos_id(const grpo_sp_model* model);
int32_t grpo_sp_pad_id(const grpo_sp_model* model);

// Trains a model with SentencePiece's trainer options as key/value pairs ("input", "vocab_size",
// "model_type", "user_defined_symbols", ...; see spm_train --help). The trained model's serialized bytes go
// to *model_bytes; nothing is written to disk except what the options ask SentencePiece itself to write.
int grpo_sp_train(const char* const* keys, const char* const* values, size_t option_count, char** model_bytes,
                  size_t* model_size, char** error);

#ifdef __cplusplus
}
#endif

#define GRPO_SP_API_VERSION 1
