// Open-addressing hash tables for the BPE model's hot lookups: token text -> id (looked up by string_view, no
// allocation), and a pair of ids -> its merge (rank and the merged id).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace grpo::hf {

// Token text -> id over texts stored by the caller (`tokens[id]`, which must outlive the table).
class TokenIdTable {
 public:
  // `tokens[id]` is the text of id; empty texts (holes in the id range) are skipped.
  explicit TokenIdTable(const std::vector<std::string>* tokens = nullptr);
  int32_t find(std::string_view text) const;  // -1 when absent

 private:
  const std::vector<std::string>* tokens_;
  std::vector<int32_t> slots_;  // id, or -1 for an empty slot
  size_t mask_ = 0;
};

struct Merge {
  int32_t rank = -1;  // lower merges first; -1: no merge
  int32_t merged_id = -1;
};

class MergeTable {
 public:
  void reserve(size_t count);
  // A later merge of the same pair replaces an earlier one (as the Rust library's HashMap collect does).
  void insert(int32_t left, int32_t right, Merge merge);
  Merge find(int32_t left, int32_t right) const;
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key = ~uint64_t{0};
    Merge merge;
  };
  void grow();
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace grpo::hf
