// `grpo tokenizer`: train a SentencePiece tokenizer from text or dataset fields, and use one from the command
// line (encode, decode, info).
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "app/command.h"
#include "core/error.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/train_sentencepiece.h"

namespace grpo::app {
namespace {

constexpr const char* kModelHelp =
    "A model directory (tokenizer.json, else tokenizer.model, else vocab.json + merges.txt) or a tokenizer "
    "file";

std::string describe(const Tokenizer& tokenizer) {
  std::string text = fmt::format("{}, vocabulary {}; unk {}, bos {}, eos {}, pad {}", tokenizer.kind(),
                                 tokenizer.vocab_size(), tokenizer.unk_id(), tokenizer.bos_id(),
                                 tokenizer.eos_id(), tokenizer.pad_id());
  std::string specials;
  for (const auto& piece : tokenizer.special_tokens()) {
    specials += fmt::format("{}{} = {}", specials.empty() ? "" : ", ", piece, tokenizer.piece_to_id(piece));
  }
  return text + "\nspecial tokens: " + (specials.empty() ? "none" : specials);
}

std::string read_standard_input() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

struct TrainArguments {
  SentencePieceTrainOptions options;
  std::vector<std::string> text_files;
  std::vector<std::string> jsonl_files;
  std::string output;
};

void add_train(CLI::App& tokenizer, CommandContext& context) {
  auto arguments = std::make_shared<TrainArguments>();
  SentencePieceTrainOptions& options = arguments->options;
  CLI::App* train = tokenizer.add_subcommand(
      "train",
      "Train a SentencePiece tokenizer from text files and/or JSONL dataset fields.\n"
      "<think>, </think>, <answer>, </answer> stay single tokens.\n"
      "Ids: <unk> 0, <s> (bos) 1, </s> (eos) 2, <pad> 3, then the tags 4-7.\n"
      "Example: grpo tokenizer train --data ../shared/data/gsm8k/train.jsonl --vocab-size 4000 "
      "--out models/tiny/tokenizer.model");
  train->add_option("--input", arguments->text_files, "Plain-text files, one sentence per line")
      ->delimiter(',')
      ->check(CLI::ExistingFile);
  train->add_option("--data", arguments->jsonl_files, "JSONL datasets whose --fields are used as text")
      ->delimiter(',')
      ->check(CLI::ExistingFile);
  train->add_option("--fields", options.jsonl_fields, "Fields of each JSONL row to train on")
      ->delimiter(',')
      ->capture_default_str();
  train->add_option("--out", arguments->output, "The .model file to write, e.g. DIR/tokenizer.model")
      ->required();
  train->add_option("--vocab-size", options.vocab_size, "Number of pieces")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train
      ->add_option("--model-type", options.model_type,
                   "SentencePiece algorithm: unigram, bpe or char (word cannot keep the tags whole)")
      ->capture_default_str();
  train
      ->add_option("--character-coverage", options.character_coverage,
                   "Share of characters kept as pieces (1.0 for small alphabets, 0.9995 for CJK)")
      ->check(CLI::Range(0.5, 1.0))
      ->capture_default_str();
  train
      ->add_option("--byte-fallback", options.byte_fallback,
                   "Unseen characters become byte tokens instead of <unk> (uses 256 ids)")
      ->capture_default_str();
  train->add_option("--split-digits", options.split_digits, "Every digit its own token")
      ->capture_default_str();
  train->add_option("--max-sentences", options.max_sentences, "Train on at most this many lines (sampled)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train->add_flag("--verbose", options.verbose, "Show SentencePiece's own training log");
  train->callback([arguments, &context] {
    context.action = [arguments, &context] {
      SentencePieceTrainOptions options = arguments->options;
      options.text_files.assign(arguments->text_files.begin(), arguments->text_files.end());
      options.jsonl_files.assign(arguments->jsonl_files.begin(), arguments->jsonl_files.end());
      options.output = arguments->output;
      options.threads = context.global.threads;
      const auto tokenizer = train_sentencepiece(options);
      fmt::print("wrote {} ({} model)\n{}\n", options.output.string(), options.model_type,
                 describe(*tokenizer));
    };
  });
}

std::string ids_line(const Tokenizer& tokenizer, const std::vector<int64_t>& ids, bool pieces) {
  std::string line;
  for (int64_t id : ids) {
    if (!line.empty()) line += ' ';
    line += pieces ? tokenizer.id_to_piece(id) : std::to_string(id);
  }
  return line;
}

// --jsonl: one {"text": ...} per line of standard input -> one {"ids": [...]} per line of standard output.
void encode_jsonl(const Tokenizer& tokenizer, bool add_special_tokens) {
  std::string line;
  for (size_t number = 1; std::getline(std::cin, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& error) {  // parse_error, or out_of_range (1e400)
      fail("standard input line {} is not JSON ({}); --jsonl reads one {{\"text\": ...}} object per line",
           number, error.what());
    }
    if (!row.is_object() || !row.contains("text") || !row["text"].is_string()) {
      fail(
          "standard input line {} has no \"text\" string; --jsonl reads one {{\"text\": ...}} object per "
          "line",
          number);
    }
    const std::string text = row["text"].get<std::string>();
    const auto ids = add_special_tokens ? tokenizer.encode_with_special_tokens(text) : tokenizer.encode(text);
    fmt::print("{}\n", nlohmann::json{{"ids", ids}}.dump());
  }
}

void add_encode(CLI::App& tokenizer, CommandContext& context) {
  struct Arguments {
    std::string model;
    std::string text;
    bool pieces = false;
    bool jsonl = false;
    bool add_special_tokens = false;
  };
  auto arguments = std::make_shared<Arguments>();
  CLI::App* encode = tokenizer.add_subcommand("encode", "Print the token ids (or pieces) of a text");
  encode->add_option("--model", arguments->model, kModelHelp)->required();
  encode->add_option("text", arguments->text, "The text (default: standard input, less its final line end)");
  encode->add_flag("--pieces", arguments->pieces, "Print pieces instead of ids");
  encode->add_flag(
      "--jsonl", arguments->jsonl,
      "Read one {\"text\": ...} per line of standard input, write one {\"ids\": [...]} per line");
  encode->add_flag(
      "--add-special-tokens", arguments->add_special_tokens,
      "Add the special tokens the tokenizer puts around a text (bos, ...), as transformers does");
  encode->callback([arguments, &context] {
    context.action = [arguments] {
      const auto tokenizer = load_tokenizer(arguments->model);
      if (arguments->jsonl) {
        if (!arguments->text.empty() || arguments->pieces)
          fail("--jsonl reads standard input and prints ids: give no text and no --pieces");
        encode_jsonl(*tokenizer, arguments->add_special_tokens);
        return;
      }
      std::string text = arguments->text;
      if (text.empty()) {
        text = read_standard_input();
        if (!text.empty() && text.back() == '\n') text.pop_back();  // the line end `echo` adds
        if (!text.empty() && text.back() == '\r') text.pop_back();
      }
      const auto ids = arguments->add_special_tokens ? tokenizer->encode_with_special_tokens(text)
                                                     : tokenizer->encode(text);
      fmt::print("{}\n", ids_line(*tokenizer, ids, arguments->pieces));
    };
  });
}

void add_decode(CLI::App& tokenizer, CommandContext& context) {
  struct Arguments {
    std::string model;
    std::vector<int64_t> ids;
  };
  auto arguments = std::make_shared<Arguments>();
  CLI::App* decode = tokenizer.add_subcommand("decode", "Print the text of token ids");
  decode->add_option("--model", arguments->model, kModelHelp)->required();
  decode->add_option("ids", arguments->ids, "Token ids (default: read from standard input)");
  decode->callback([arguments, &context] {
    context.action = [arguments] {
      const auto tokenizer = load_tokenizer(arguments->model);
      std::vector<int64_t> ids = arguments->ids;
      if (ids.empty()) {
        std::istringstream in(read_standard_input());
        std::string word;
        while (in >> word) {
          try {
            size_t used = 0;
            ids.push_back(std::stoll(word, &used));
            if (used != word.size()) throw std::invalid_argument(word);
          } catch (const std::exception&) {
            fail("standard input holds '{}' where a token id was expected; give ids as integers", word);
          }
        }
      }
      fmt::print("{}\n", tokenizer->decode(ids));
    };
  });
}

void add_info(CLI::App& tokenizer, CommandContext& context) {
  auto model = std::make_shared<std::string>();
  CLI::App* info = tokenizer.add_subcommand("info", "Print a tokenizer's vocabulary size and special ids");
  info->add_option("--model", *model, kModelHelp)->required();
  info->callback([model, &context] {
    context.action = [model] { fmt::print("{}\n{}\n", *model, describe(*load_tokenizer(*model))); };
  });
}

void add_chat(CLI::App& tokenizer, CommandContext& context) {
  struct Arguments {
    std::string model, messages;
    bool add_generation_prompt = false;
    std::vector<std::string> kwargs;
  };
  auto arguments = std::make_shared<Arguments>();
  CLI::App* chat = tokenizer.add_subcommand(
      "chat",
      "Print a conversation rendered with the model's chat template, exactly as the model is given it\n"
      "Example: grpo tokenizer chat --model DIR --messages conversation.json --add-generation-prompt "
      "--chat-template-kwargs enable_thinking=false");
  chat->add_option("--model", arguments->model, "A model directory with tokenizer_config.json")->required();
  chat->add_option("--messages", arguments->messages, "A JSON list of {\"role\", \"content\"} messages")
      ->required()
      ->check(CLI::ExistingFile);
  chat->add_flag("--add-generation-prompt", arguments->add_generation_prompt,
                 "End with the assistant's header, where the model's answer starts");
  chat->add_option("--chat-template-kwargs", arguments->kwargs,
                   "Template variables, key=value (comma-separated)")
      ->delimiter(',');
  chat->callback([arguments, &context] {
    context.action = [arguments] {
      const ChatTemplate chat_template = ChatTemplate::from_model_directory(arguments->model);
      fmt::print("{}",
                 chat_template.apply(read_conversation(arguments->messages), arguments->add_generation_prompt,
                                     parse_chat_template_kwargs(arguments->kwargs)));
    };
  });
}

void add_tokenizer_command(CLI::App& app, CommandContext& context) {
  CLI::App* tokenizer =
      app.add_subcommand("tokenizer", "Train a SentencePiece tokenizer, or encode/decode text with one");
  tokenizer->require_subcommand(1);
  add_train(*tokenizer, context);
  add_encode(*tokenizer, context);
  add_decode(*tokenizer, context);
  add_info(*tokenizer, context);
  add_chat(*tokenizer, context);
}

}  // namespace

static const CommandRegistration registration{"tokenizer", 20, add_tokenizer_command};

}  // namespace grpo::app
