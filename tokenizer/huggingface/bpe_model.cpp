#include "tokenizer/huggingface/bpe_model.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <queue>

#include "core/error.h"
#include "tokenizer/huggingface/component_json.h"
#include "tokenizer/huggingface/utf8.h"

namespace grpo::hf {
namespace {

// Words longer than this are not cached (as in `tokenizers`), and the cache stops growing at kCacheCapacity.
constexpr size_t kCacheableLength = 256;
constexpr size_t kCacheCapacity = 1 << 16;

struct Symbol {
  int32_t id;
  int32_t prev, next;  // neighbours in the word, -1 at the ends
  bool removed;
};

struct QueuedMerge {
  int32_t rank;
  int32_t position;
  int32_t merged_id;
  bool operator<(const QueuedMerge& other) const {  // std::priority_queue pops the lowest rank, then position
    return rank != other.rank ? rank > other.rank : position > other.position;
  }
};

}  // namespace

BpeModel::BpeModel(const std::vector<std::pair<std::string, int64_t>>& vocab,
                   const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
                   const std::string& source)
    : options_(std::move(options)) {
  int64_t size = 0;
  for (const auto& [text, id] : vocab) {
    if (id < 0 || id > INT32_MAX - 1)
      fail("{}: the vocabulary gives token '{}' the id {}; ids are 0 or more", source, text, id);
    size = std::max(size, id + 1);
  }
  tokens_.assign(static_cast<size_t>(size), std::string());
  for (const auto& [text, id] : vocab) tokens_[static_cast<size_t>(id)] = text;
  table_ = TokenIdTable(&tokens_);
  prefix_length_ = options_.continuing_subword_prefix.size();
  unk_id_ = options_.unk_token.empty() ? -1 : table_.find(options_.unk_token);
  for (int b = 0; b < 256; ++b) byte_ids_[b] = table_.find(fmt::format("<0x{:02X}>", b));

  merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    const int32_t left_id = table_.find(left), right_id = table_.find(right);
    const std::string merged = left + (right.size() >= prefix_length_ ? right.substr(prefix_length_) : right);
    const int32_t merged_id = table_.find(merged);
    for (const auto& [token, id] :
         {std::pair{&left, left_id}, std::pair{&right, right_id}, std::pair{&merged, merged_id}}) {
      if (id < 0) {
        fail(
            "{}: merge {} ('{} {}') names the token '{}', which is not in the vocabulary; the merges and the "
            "vocabulary do not belong together",
            source, rank + 1, left, right, *token);
      }
    }
    merges_.insert(left_id, right_id, {static_cast<int32_t>(rank), merged_id});
  }
}

const std::string* BpeModel::id_to_token(int64_t id) const {
  if (id < 0 || id >= size() || tokens_[static_cast<size_t>(id)].empty()) return nullptr;
  return &tokens_[static_cast<size_t>(id)];
}

void BpeModel::tokenize(const std::string& piece, std::vector<int64_t>& ids) const {
  if (piece.empty()) return;
  if (options_.ignore_merges) {
    const int32_t id = table_.find(piece);
    if (id >= 0) {
      ids.push_back(id);
      return;
    }
  }
  const bool cacheable = piece.size() < kCacheableLength;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    const auto hit = cache_.find(piece);
    if (hit != cache_.end()) {
      ids.insert(ids.end(), hit->second.begin(), hit->second.end());
      return;
    }
  }
  std::vector<int32_t> word = merge_word(piece);
  ids.insert(ids.end(), word.begin(), word.end());
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() < kCacheCapacity) cache_.emplace(piece, std::move(word));
  }
}

std::vector<int32_t> BpeModel::merge_word(const std::string& piece) const {
  // The initial symbols: one per character (with the prefix/suffix the options ask for), or its byte tokens,
  // or the unknown token.
  std::vector<Symbol> symbols;
  symbols.reserve(piece.size());
  auto add = [&symbols](int32_t id) {
    const auto position = static_cast<int32_t>(symbols.size());
    symbols.push_back({id, position - 1, -1, false});
    if (position > 0) symbols[static_cast<size_t>(position - 1)].next = position;
  };
  int32_t pending_unk = -1;
  std::string affixed;
  for (size_t at = 0; at < piece.size();) {
    const size_t begin = at;
    at = std::min(piece.size(), at + utf8_length(static_cast<unsigned char>(piece[at])));
    std::string_view character(piece.data() + begin, at - begin);
    if ((begin > 0 && prefix_length_ > 0) || (at == piece.size() && !options_.end_of_word_suffix.empty())) {
      affixed.assign(begin > 0 ? options_.continuing_subword_prefix : std::string());
      affixed.append(character);
      if (at == piece.size()) affixed += options_.end_of_word_suffix;
      character = affixed;
    }
    const int32_t id = table_.find(character);
    if (id >= 0) {
      if (pending_unk >= 0) add(pending_unk), pending_unk = -1;
      add(id);
      continue;
    }
    if (options_.byte_fallback) {
      bool all_bytes = true;
      for (char c : character) all_bytes = all_bytes && byte_ids_[static_cast<unsigned char>(c)] >= 0;
      if (all_bytes) {
        for (char c : character) add(byte_ids_[static_cast<unsigned char>(c)]);
        continue;
      }
    }
    if (unk_id_ >= 0) {
      if (pending_unk >= 0 && !options_.fuse_unk) add(pending_unk);
      pending_unk = unk_id_;
    }
  }
  if (pending_unk >= 0) add(pending_unk);

  // Merge the lowest-ranked pair (leftmost first) until none merges; stale queue entries are skipped.
  std::priority_queue<QueuedMerge> queue;
  for (size_t i = 0; i + 1 < symbols.size(); ++i) {
    const Merge merge = merges_.find(symbols[i].id, symbols[i + 1].id);
    if (merge.rank >= 0) queue.push({merge.rank, static_cast<int32_t>(i), merge.merged_id});
  }
  while (!queue.empty()) {
    const QueuedMerge top = queue.top();
    queue.pop();
    Symbol& current = symbols[static_cast<size_t>(top.position)];
    if (current.removed || current.next < 0) continue;
    Symbol& right = symbols[static_cast<size_t>(current.next)];
    const Merge now = merges_.find(current.id, right.id);
    if (now.rank < 0 || now.merged_id != top.merged_id) continue;
    current.id = top.merged_id;
    right.removed = true;
    current.next = right.next;
    if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = top.position;
    if (current.prev >= 0) {
      const Merge with_previous = merges_.find(symbols[static_cast<size_t>(current.prev)].id, current.id);
      if (with_previous.rank >= 0) queue.push({with_previous.rank, current.prev, with_previous.merged_id});
    }
    if (current.next >= 0) {
      const Merge with_next = merges_.find(current.id, symbols[static_cast<size_t>(current.next)].id);
      if (with_next.rank >= 0) queue.push({with_next.rank, top.position, with_next.merged_id});
    }
  }
  std::vector<int32_t> result;
  for (const Symbol& symbol : symbols) {
    if (!symbol.removed) result.push_back(symbol.id);
  }
  return result;
}

namespace {

std::vector<std::pair<std::string, std::string>> parse_merges(const nlohmann::json& merges,
                                                              const ComponentSource& source) {
  std::vector<std::pair<std::string, std::string>> result;
  result.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const nlohmann::json& merge = merges[rank];
    if (merge.is_string()) {
      const std::string text = merge.get<std::string>();
      const size_t space = text.find(' ');
      if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
        fail("{}: merge {} is \"{}\"; a merge is two tokens separated by one space, or a [left, right] pair",
             source.file, rank + 1, text);
      }
      result.emplace_back(text.substr(0, space), text.substr(space + 1));
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
      result.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
    } else {
      fail("{}: merge {} is {}; a merge is \"left right\" or [\"left\", \"right\"]", source.file, rank + 1,
           merge.dump().substr(0, 100));
    }
  }
  return result;
}

std::string optional_string(const nlohmann::json& spec, const char* name) {
  return spec.contains(name) && spec[name].is_string() ? spec[name].get<std::string>() : std::string();
}

}  // namespace

std::unique_ptr<BpeModel> make_model(const nlohmann::json& spec, const std::string& file) {
  const ComponentSource source{file, "model"};
  const std::string type = spec.contains("type") ? component_type(spec, source) : "BPE";  // old files omit it
  if (type != "BPE") unsupported_component(type, source, {"BPE"});
  const nlohmann::json& vocab_json = required_field(spec, "vocab", source);
  if (!vocab_json.is_object()) fail("{}: the model's \"vocab\" is not an object of token: id", file);
  std::vector<std::pair<std::string, int64_t>> vocab;
  vocab.reserve(vocab_json.size());
  for (const auto& [token, id] : vocab_json.items()) {
    if (!id.is_number_integer())
      fail("{}: the vocabulary gives token '{}' the id {}; ids are integers", file, token, id.dump());
    vocab.emplace_back(token, id.get<int64_t>());
  }
  const nlohmann::json& merges_json = spec.contains("merges") ? spec["merges"] : nlohmann::json::array();
  if (!merges_json.is_array()) fail("{}: the model's \"merges\" is not a list", file);
  BpeOptions options;
  options.unk_token = optional_string(spec, "unk_token");
  options.fuse_unk = spec.value("fuse_unk", false);
  options.byte_fallback = spec.value("byte_fallback", false);
  options.ignore_merges = spec.value("ignore_merges", false);
  options.continuing_subword_prefix = optional_string(spec, "continuing_subword_prefix");
  options.end_of_word_suffix = optional_string(spec, "end_of_word_suffix");
  if (spec.contains("dropout") && spec["dropout"].is_number() && spec["dropout"].get<double>() > 0) {
    fail("{}: the BPE model has dropout {}; grpo tokenizes deterministically (set \"dropout\": null)", file,
         spec["dropout"].dump());
  }
  return std::make_unique<BpeModel>(vocab, parse_merges(merges_json, source), std::move(options), file);
}

}  // namespace grpo::hf
