#include "datasets/shuffled_examples.h"

#include <fmt/format.h>

#include <numeric>

#include "core/error.h"
#include "datasets/seeded_random.h"

namespace grpo {

std::string fingerprint_examples(const std::vector<Example>& examples) {
  uint64_t hash = hash_text(std::to_string(examples.size()));
  for (const auto& example : examples) {
    for (const std::string* text : {&example.id, &example.question, &example.answer}) {
      hash = hash_text(*text, hash);
      hash = hash_text(std::string_view("\0", 1), hash);
    }
  }
  return fmt::format("{:016x}", hash);
}

ShuffledExamples::ShuffledExamples(std::vector<Example> examples, uint64_t seed, size_t epochs, bool shuffle,
                                   std::string name)
    : examples_(std::move(examples)),
      seed_(seed),
      epochs_(epochs),
      shuffle_(shuffle),
      name_(std::move(name)) {
  if (examples_.empty())
    fail("{}: an empty data set cannot be drawn from; it needs at least one example", name_);
  fingerprint_ = fingerprint_examples(examples_);
  compute_order();
}

void ShuffledExamples::compute_order() {
  order_.resize(examples_.size());
  std::iota(order_.begin(), order_.end(), size_t{0});
  if (shuffle_) {
    SeededRandom random = SeededRandom::for_item(seed_, "epoch order", epoch_);
    random.shuffle(order_);
  }
}

std::vector<Example> ShuffledExamples::next_batch(size_t count) {
  std::vector<Example> batch;
  batch.reserve(count);
  while (batch.size() < count && !exhausted()) {
    batch.push_back(examples_[order_[position_]]);
    if (++position_ == order_.size()) {
      ++epoch_;
      position_ = 0;
      compute_order();
    }
  }
  return batch;
}

nlohmann::json ShuffledExamples::cursor() const {
  return {{"kind", "examples"},
          {"name", name_},
          {"seed", seed_},
          {"shuffle", shuffle_},
          {"size", examples_.size()},
          {"fingerprint", fingerprint_},
          {"epoch", epoch_},
          {"position", position_}};
}

void ShuffledExamples::restore(const nlohmann::json& cursor) {
  auto mismatch = [&](const char* what, const std::string& saved, const std::string& now) {
    fail(
        "cannot restore the data cursor of '{}': it was saved with {} {}, but this data set has {} {}; "
        "resume "
        "with the same data file, seed and options",
        name_, what, saved, what, now);
  };
  try {
    if (cursor.at("kind") != "examples") {
      fail("cannot restore the data cursor of '{}': the checkpoint's cursor is for a '{}' source", name_,
           cursor.at("kind").dump());
    }
    if (cursor.at("size").get<size_t>() != examples_.size()) {
      mismatch("size", cursor.at("size").dump(), std::to_string(examples_.size()));
    }
    if (cursor.at("fingerprint").get<std::string>() != fingerprint_) {
      mismatch("fingerprint", cursor.at("fingerprint").get<std::string>(), fingerprint_);
    }
    if (cursor.at("seed").get<uint64_t>() != seed_)
      mismatch("seed", cursor.at("seed").dump(), std::to_string(seed_));
    if (cursor.at("shuffle").get<bool>() != shuffle_) {
      mismatch("shuffle", cursor.at("shuffle").dump(), shuffle_ ? "true" : "false");
    }
    size_t position = cursor.at("position").get<size_t>();
    if (position >= examples_.size())
      fail("data cursor position {} is past the data set's {} rows", position, examples_.size());
    epoch_ = cursor.at("epoch").get<size_t>();
    position_ = position;
  } catch (const nlohmann::json::exception& e) {
    fail("cannot restore the data cursor of '{}': the saved cursor is malformed ({}): {}", name_, e.what(),
         cursor.dump());
  }
  compute_order();
}

std::string ShuffledExamples::describe() const {
  return fmt::format("{}: {} rows, epoch {}{}, row {}", name_, examples_.size(), epoch_ + 1,
                     epochs_ > 0 ? fmt::format(" of {}", epochs_) : "", position_);
}

}  // namespace grpo
