#include "tokenizer/huggingface/token_tables.h"

#include <functional>

namespace grpo::hf {
namespace {

size_t table_size_for(size_t count) {
  size_t size = 16;
  while (size < count * 2) size <<= 1;
  return size;
}

uint64_t mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

TokenIdTable::TokenIdTable(const std::vector<std::string>* tokens) : tokens_(tokens) {
  if (!tokens_) return;
  slots_.assign(table_size_for(tokens_->size()), -1);
  mask_ = slots_.size() - 1;
  for (size_t id = 0; id < tokens_->size(); ++id) {
    const std::string& text = (*tokens_)[id];
    if (text.empty()) continue;
    size_t slot = std::hash<std::string_view>{}(text)&mask_;
    while (slots_[slot] >= 0) slot = (slot + 1) & mask_;
    slots_[slot] = static_cast<int32_t>(id);
  }
}

int32_t TokenIdTable::find(std::string_view text) const {
  if (slots_.empty()) return -1;
  for (size_t slot = std::hash<std::string_view>{}(text)&mask_;; slot = (slot + 1) & mask_) {
    const int32_t id = slots_[slot];
    if (id < 0) return -1;
    if ((*tokens_)[static_cast<size_t>(id)] == text) return id;
  }
}

void MergeTable::reserve(size_t count) {
  while (slots_.size() < count * 2) grow();
}

void MergeTable::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
  mask_ = slots_.size() - 1;
  size_ = 0;
  for (const Slot& slot : old) {
    if (slot.key != ~uint64_t{0}) {
      insert(static_cast<int32_t>(slot.key >> 32), static_cast<int32_t>(slot.key & 0xFFFFFFFFu), slot.merge);
    }
  }
}

void MergeTable::insert(int32_t left, int32_t right, Merge merge) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const uint64_t key =
      (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  for (size_t slot = mix(key) & mask_;; slot = (slot + 1) & mask_) {
    if (slots_[slot].key == key) {
      slots_[slot].merge = merge;
      return;
    }
    if (slots_[slot].key == ~uint64_t{0}) {
      slots_[slot] = {key, merge};
      ++size_;
      return;
    }
  }
}

Merge MergeTable::find(int32_t left, int32_t right) const {
  if (slots_.empty()) return {};
  const uint64_t key =
      (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  for (size_t slot = mix(key) & mask_;; slot = (slot + 1) & mask_) {
    if (slots_[slot].key == key) return slots_[slot].merge;
    if (slots_[slot].key == ~uint64_t{0}) return {};
  }
}

}  // namespace grpo::hf
