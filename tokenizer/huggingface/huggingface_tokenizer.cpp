#include "tokenizer/huggingface/huggingface_tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/error.h"
#include "core/files.h"
#include "tokenizer/huggingface/bpe_model.h"
#include "tokenizer/huggingface/decoders.h"
#include "tokenizer/huggingface/normalizers.h"
#include "tokenizer/huggingface/post_processors.h"
#include "tokenizer/huggingface/pre_tokenizers.h"
#include "tokenizer/huggingface/utf8.h"

namespace grpo {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json parse_json_file_text(const std::string& text, const std::string& source, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::exception& error) {  // parse_error, or out_of_range for a number like 1e400
    fail("{} is not valid JSON ({}); {} (re-download it from the model's repository)", source, error.what(),
         what);
  }
}

void require_file(const fs::path& file, const char* what) {
  std::error_code ec;
  if (!fs::exists(file, ec)) fail("{} '{}' does not exist", what, file.string());
  if (fs::is_directory(file, ec)) fail("{} '{}' is a directory, not a file", what, file.string());
}

}  // namespace

HuggingFaceTokenizer::HuggingFaceTokenizer() = default;
HuggingFaceTokenizer::~HuggingFaceTokenizer() = default;

std::unique_ptr<HuggingFaceTokenizer> HuggingFaceTokenizer::from_tokenizer_json(
    const fs::path& file, const TokenizerConfig& config) {
  require_file(file, "tokenizer file");
  return from_json_text(read_file(file), file.string(), config);
}

std::unique_ptr<HuggingFaceTokenizer> HuggingFaceTokenizer::from_json_text(const std::string& text,
                                                                           const std::string& source,
                                                                           const TokenizerConfig& config) {
  const json spec =
      parse_json_file_text(text, source, "a tokenizer.json is the JSON file Hugging Face tokenizers write");
  if (!spec.is_object() || !spec.contains("model") || !spec["model"].is_object()) {
    fail("{} has no \"model\" object: it is not a Hugging Face tokenizer.json", source);
  }
  std::unique_ptr<HuggingFaceTokenizer> tokenizer(new HuggingFaceTokenizer);
  tokenizer->source_ = source;
  tokenizer->kind_ = "tokenizer.json (BPE)";
  tokenizer->normalizer_ = hf::make_normalizer(spec.value("normalizer", json()), source);
  tokenizer->pre_tokenizer_ = hf::make_pre_tokenizer(spec.value("pre_tokenizer", json()), source);
  tokenizer->model_ = hf::make_model(spec["model"], source);
  tokenizer->post_processor_ = hf::make_post_processor(spec.value("post_processor", json()), source);
  tokenizer->decoder_ = hf::make_decoder(spec.value("decoder", json()), source);
  tokenizer->added_tokens_ = hf::parse_added_tokens(spec.value("added_tokens", json()), source);
  tokenizer->finish(config);
  return tokenizer;
}

std::unique_ptr<HuggingFaceTokenizer> HuggingFaceTokenizer::from_gpt2_files(const fs::path& vocab_json,
                                                                            const fs::path& merges_txt,
                                                                            const TokenizerConfig& config) {
  require_file(vocab_json, "GPT-2 vocabulary");
  require_file(merges_txt, "GPT-2 merges file");
  const json vocab_spec = parse_json_file_text(read_file(vocab_json), vocab_json.string(),
                                               "vocab.json maps each token to its id");
  if (!vocab_spec.is_object()) fail("{} is not a JSON object of token: id", vocab_json.string());
  std::vector<std::pair<std::string, int64_t>> vocab;
  for (const auto& [token, id] : vocab_spec.items()) {
    if (!id.is_number_integer())
      fail("{}: token '{}' has the id {}; ids are integers", vocab_json.string(), token, id.dump());
    vocab.emplace_back(token, id.get<int64_t>());
  }
  std::vector<std::pair<std::string, std::string>> merges;
  std::istringstream lines(read_file(merges_txt));
  std::string line;
  for (size_t number = 1; std::getline(lines, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (number == 1 && line.rfind("#version", 0) == 0)) continue;
    const size_t space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
      fail("{}:{}: \"{}\" is not a merge; each line of merges.txt is two tokens separated by one space",
           merges_txt.string(), number, line);
    }
    merges.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  std::unique_ptr<HuggingFaceTokenizer> tokenizer(new HuggingFaceTokenizer);
  tokenizer->source_ = merges_txt.string();
  tokenizer->kind_ = "GPT-2 vocab.json + merges.txt (byte-level BPE)";
  tokenizer->pre_tokenizer_ = hf::make_gpt2_pre_tokenizer();
  tokenizer->model_ = std::make_unique<hf::BpeModel>(vocab, merges, hf::BpeOptions{}, merges_txt.string());
  tokenizer->decoder_ = hf::make_byte_level_decoder();
  const int64_t end_of_text = tokenizer->model_->token_to_id("<|endoftext|>");
  if (end_of_text >= 0) {
    hf::AddedToken token;
    token.id = end_of_text;
    token.content = "<|endoftext|>";
    token.special = true;
    token.normalized = true;
    tokenizer->added_tokens_.push_back(token);
  }
  TokenizerConfig gpt2 = config;
  if (end_of_text >= 0 && !gpt2.bos_token) gpt2.bos_token = "<|endoftext|>";
  if (end_of_text >= 0 && !gpt2.eos_token) gpt2.eos_token = "<|endoftext|>";
  tokenizer->finish(gpt2);
  return tokenizer;
}

int64_t HuggingFaceTokenizer::id_of_setting(const std::optional<std::string>& token, const char* name) const {
  if (!token) return -1;
  const int64_t id = piece_to_id(*token);
  if (id < 0) {
    fail(
        "{}: the {} '{}' is not a token of this tokenizer; tokenizer_config.json and the tokenizer do not "
        "belong "
        "together",
        source_, name, *token);
  }
  return id;
}

void HuggingFaceTokenizer::finish(const TokenizerConfig& settings) {
  vocab_size_ = model_->size();
  for (const auto& token : added_tokens_) vocab_size_ = std::max(vocab_size_, token.id + 1);
  added_index_by_id_.assign(static_cast<size_t>(vocab_size_), -1);
  std::vector<hf::AddedToken> raw, normalized;
  std::vector<std::string> raw_contents, normalized_contents;
  for (size_t i = 0; i < added_tokens_.size(); ++i) {
    const hf::AddedToken& token = added_tokens_[i];
    added_index_by_id_[static_cast<size_t>(token.id)] = static_cast<int32_t>(i);
    if (token.normalized && normalizer_) {
      normalized.push_back(token);
      normalized_contents.push_back(normalizer_->normalize(token.content));
    } else {
      raw.push_back(token);
      raw_contents.push_back(token.content);
    }
  }
  raw_matcher_ = hf::AddedTokenMatcher(std::move(raw), std::move(raw_contents));
  normalized_matcher_ = hf::AddedTokenMatcher(std::move(normalized), std::move(normalized_contents));

  if (post_processor_) {
    prefix_ids_ = post_processor_->prefix_ids();
    suffix_ids_ = post_processor_->suffix_ids();
  }
  bos_id_ = settings.bos_token ? id_of_setting(settings.bos_token, "bos_token")
                               : (prefix_ids_.size() == 1 ? prefix_ids_.front() : -1);
  eos_id_ = settings.eos_token ? id_of_setting(settings.eos_token, "eos_token")
                               : (suffix_ids_.size() == 1 ? suffix_ids_.front() : -1);
  if (eos_id_ < 0 && !settings.eos_token) {
    // A bare tokenizer.json names no end token: take the well-known one it defines, if any.
    for (const char* name : {"<|endoftext|>", "<|end_of_text|>", "</s>",
                             "<\xEF\xBD\x9C"
                             "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>"}) {
      if ((eos_id_ = piece_to_id(name)) >= 0) break;
    }
  }
  pad_id_ = id_of_setting(settings.pad_token, "pad_token");
  unk_id_ = settings.unk_token ? id_of_setting(settings.unk_token, "unk_token") : model_->unk_id();
  if (settings.add_bos_token || settings.add_eos_token) {
    // As transformers' update_post_processor: the config decides which of bos/eos go around a text.
    const bool add_bos = settings.add_bos_token.value_or(!prefix_ids_.empty());
    const bool add_eos = settings.add_eos_token.value_or(!suffix_ids_.empty());
    if (add_bos && bos_id_ < 0) fail("{}: add_bos_token is true but the tokenizer has no bos_token", source_);
    if (add_eos && eos_id_ < 0) fail("{}: add_eos_token is true but the tokenizer has no eos_token", source_);
    prefix_ids_ = add_bos ? std::vector<int64_t>{bos_id_} : std::vector<int64_t>{};
    suffix_ids_ = add_eos ? std::vector<int64_t>{eos_id_} : std::vector<int64_t>{};
  }
}

void HuggingFaceTokenizer::encode_text(const std::string& text, bool at_text_start,
                                       std::vector<int64_t>& ids) const {
  if (text.empty()) return;
  const std::string normalized = normalizer_ ? normalizer_->normalize(text) : text;
  for (const hf::TextPart& part : normalized_matcher_.split(normalized)) {
    if (part.id >= 0) {
      ids.push_back(part.id);
      continue;
    }
    if (part.begin == part.end) continue;
    std::vector<hf::Piece> pieces{
        {normalized.substr(part.begin, part.end - part.begin), at_text_start && part.begin == 0}};
    if (pre_tokenizer_) pre_tokenizer_->pre_tokenize(pieces);
    for (const hf::Piece& piece : pieces) model_->tokenize(piece.text, ids);
  }
}

std::vector<int64_t> HuggingFaceTokenizer::encode(const std::string& input) const {
  const std::string lossy = hf::is_valid_utf8(input) ? std::string() : hf::utf8_lossy(input);
  const std::string& text = lossy.empty() ? input : lossy;
  std::vector<int64_t> ids;
  ids.reserve(text.size() / 3);
  for (const hf::TextPart& part : raw_matcher_.split(text)) {
    if (part.id >= 0) {
      ids.push_back(part.id);
    } else {
      encode_text(text.substr(part.begin, part.end - part.begin), part.begin == 0, ids);
    }
  }
  return ids;
}

std::vector<int64_t> HuggingFaceTokenizer::encode_with_special_tokens(const std::string& text) const {
  std::vector<int64_t> ids = prefix_ids_;
  const std::vector<int64_t> body = encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  ids.insert(ids.end(), suffix_ids_.begin(), suffix_ids_.end());
  return ids;
}

std::string HuggingFaceTokenizer::decode(const std::vector<int64_t>& ids) const {
  return decode(ids, true);
}

std::string HuggingFaceTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const int64_t id = ids[i];
    if (id < 0 || id >= vocab_size_) {
      fail(
          "cannot decode token id {} at position {}: the tokenizer '{}' has ids 0 to {}; restrict sampling "
          "to the "
          "tokenizer's vocabulary",
          id, i, source_, vocab_size_ - 1);
    }
    const int32_t added = added_index_by_id_[static_cast<size_t>(id)];
    if (added >= 0) {
      const hf::AddedToken& token = added_tokens_[static_cast<size_t>(added)];
      if (!(skip_special_tokens && token.special)) tokens.push_back(token.content);
    } else if (const std::string* token = model_->id_to_token(id)) {
      tokens.push_back(*token);
    }
  }
  if (!decoder_) {
    std::string joined;
    for (const auto& token : tokens) joined += (joined.empty() ? "" : " ") + token;
    return joined;
  }
  std::string text;
  for (const auto& part : decoder_->decode_chain(std::move(tokens))) text += part;
  return text;
}

std::string HuggingFaceTokenizer::id_to_piece(int64_t id) const {
  if (id >= 0 && id < vocab_size_) {
    const int32_t added = added_index_by_id_[static_cast<size_t>(id)];
    if (added >= 0) return added_tokens_[static_cast<size_t>(added)].content;
    if (const std::string* token = model_->id_to_token(id)) return *token;
  }
  fail("token id {} is not in the vocabulary of '{}' (ids 0 to {})", id, source_, vocab_size_ - 1);
}

int64_t HuggingFaceTokenizer::piece_to_id(const std::string& piece) const {
  for (const auto& token : added_tokens_) {
    if (token.content == piece) return token.id;
  }
  return model_->token_to_id(piece);
}

std::vector<std::string> HuggingFaceTokenizer::special_tokens() const {
  std::vector<const hf::AddedToken*> sorted;
  for (const auto& token : added_tokens_) sorted.push_back(&token);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->id < b->id; });
  std::vector<std::string> result;
  for (const auto* token : sorted) result.push_back(token->content);
  return result;
}

}  // namespace grpo
