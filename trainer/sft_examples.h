// Supervised fine-tuning rows -> token ids and the tokens the loss is taken on.
// A row (JSONL, one object per line) is either
//   {"prompt": P, "completion": C}: P rendered with the prompt template as its {question} (the row's other
//     fields fill other placeholders), then C and eos; the completion and eos are trained; or
//   {"messages": [{"role", "content"}, ...]}: with --template chat, the conversation rendered by the model's
//     chat template, every assistant message (with the template's end-of-turn text) trained; with another
//     template, one [system,] user, assistant exchange: the user message as the question, the assistant's
//     as the completion.
// The prompt is encoded as generation encodes it (encode_prompt: with the tokenizer's special tokens), each
// later piece without them, so that the model learns the tokens it would itself produce after that prompt.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "datasets/chat_prompt.h"
#include "datasets/prompt_template.h"
#include "tokenizer/tokenizer.h"

namespace grpo {

class ChatTemplate;

struct SftExample {
  std::string id;                // "file.jsonl:17"
  std::vector<int64_t> ids;      // the whole sequence
  std::vector<uint8_t> trained;  // per token: 1 when the loss predicts it (never the first token)
  int64_t trained_count() const;
};

struct SftFormatting {
  PromptTemplate prompt_template;
  std::filesystem::path model_directory;  // its chat template renders "messages" rows under --template chat
  ChatPromptOptions chat_options;    // --template chat: system prompt (when a conversation has none), kwargs
  bool completion_only_loss = true;  // false: every token but the first is trained
};

class SftFormatter {
 public:
  SftFormatter(const Tokenizer& tokenizer, SftFormatting formatting);
  ~SftFormatter();
  // One row; `where` ("path:line") starts every error message.
  SftExample format(const nlohmann::json& row, const std::string& where, const std::string& id) const;

 private:
  // Pieces of text in order, each trained or not.
  struct Piece {
    std::string text;
    bool trained;
  };
  std::vector<Piece> prompt_completion_pieces(const nlohmann::json& row, const std::string& where) const;
  std::vector<Piece> conversation_pieces(const nlohmann::json& row, const std::string& where) const;

  const Tokenizer& tokenizer_;
  SftFormatting formatting_;
  std::shared_ptr<const ChatTemplate> chat_template_;  // --template chat only
};

struct SftExamples {
  std::vector<SftExample> examples;
  int64_t truncated = 0;  // examples cut to max_length
  int64_t dropped = 0;    // examples left with no trained token after the cut
};

// Every row of a JSONL file, each cut to `max_length` tokens (0 = no limit); a malformed row stops with an
// error naming the file and line.
SftExamples read_sft_examples(const std::filesystem::path& path, const SftFormatter& formatter,
                              int64_t max_length);

}  // namespace grpo
