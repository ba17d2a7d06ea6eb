#include "trainer/training_batch.h"

#include <torch/torch.h>

#include <algorithm>

#include "core/error.h"

namespace grpo {

namespace {
int64_t input_length(const TrainingSequence& s) {
  return static_cast<int64_t>(s.prompt_ids.size() + s.completion_ids.size()) - 1;
}
}  // namespace

std::vector<std::vector<size_t>> split_by_token_budget(const std::vector<TrainingSequence>& sequences,
                                                       const std::vector<size_t>& rows,
                                                       int64_t token_budget) {
  std::vector<std::vector<size_t>> batches;
  std::vector<size_t> current;
  int64_t longest = 0;
  for (size_t row : rows) {
    int64_t length = input_length(sequences[row]);
    int64_t new_longest = std::max(longest, length);
    if (!current.empty() && token_budget > 0 &&
        new_longest * static_cast<int64_t>(current.size() + 1) > token_budget) {
      batches.push_back(std::move(current));
      current.clear();
      new_longest = length;
    }
    current.push_back(row);
    longest = new_longest;
  }
  if (!current.empty()) batches.push_back(std::move(current));
  return batches;
}

MicroBatch make_micro_batch(const std::vector<TrainingSequence>& sequences, const std::vector<size_t>& rows,
                            const torch::Device& device) {
  MicroBatch batch;
  batch.rows = rows;
  const int64_t b = static_cast<int64_t>(rows.size());
  int64_t width = 1;
  for (size_t row : rows) width = std::max(width, input_length(sequences[row]));
  std::vector<int64_t> ids(b * width, 0), targets(b * width, 0), positions(b * width, 0);
  std::vector<uint8_t> attention(b * width, 0), completion(b * width, 0);
  std::vector<float> loss(b * width, 0.0f), advantages(b);
  for (int64_t i = 0; i < b; ++i) {
    const auto& s = sequences[rows[i]];
    if (s.prompt_ids.empty() || s.completion_ids.empty())
      fail("a training sequence needs a prompt and a completion");
    std::vector<int64_t> tokens = s.prompt_ids;
    tokens.insert(tokens.end(), s.completion_ids.begin(), s.completion_ids.end());
    const int64_t n = static_cast<int64_t>(tokens.size()), p = static_cast<int64_t>(s.prompt_ids.size());
    for (int64_t t = 0; t + 1 < n; ++t) {
      ids[i * width + t] = tokens[t];
      targets[i * width + t] = tokens[t + 1];
      positions[i * width + t] = t;
      attention[i * width + t] = 1;
      if (t >= p - 1) {
        completion[i * width + t] = 1;
        loss[i * width + t] = s.loss_masked ? 0.0f : 1.0f;
      }
    }
    advantages[i] = static_cast<float>(s.advantage);
  }
  auto as_bool = [&](std::vector<uint8_t>& v) {
    return torch::from_blob(v.data(), {b, width}, torch::kUInt8).to(torch::kBool).to(device);
  };
  batch.input_ids = torch::tensor(ids, torch::kLong).view({b, width}).to(device);
  batch.targets = torch::tensor(targets, torch::kLong).view({b, width}).to(device);
  batch.positions = torch::tensor(positions, torch::kLong).view({b, width}).to(device);
  batch.attention_mask = as_bool(attention);
  batch.completion_positions = as_bool(completion);
  batch.loss_mask = torch::tensor(loss).view({b, width}).to(device);
  batch.advantages = torch::tensor(advantages).to(device);
  return batch;
}

torch::Tensor scatter_completion_values(const std::vector<TrainingSequence>& sequences,
                                        const MicroBatch& batch,
                                        std::vector<float> TrainingSequence::*field) {
  const int64_t b = batch.input_ids.size(0), width = batch.input_ids.size(1);
  std::vector<float> values(b * width, 0.0f);
  for (int64_t i = 0; i < b; ++i) {
    const auto& s = sequences[batch.rows[i]];
    const auto& source = s.*field;
    if (source.size() != s.completion_ids.size()) fail("internal: per-token values missing for a sequence");
    const int64_t p = static_cast<int64_t>(s.prompt_ids.size());
    for (size_t j = 0; j < source.size(); ++j)
      values[i * width + p - 1 + static_cast<int64_t>(j)] = source[j];
  }
  return torch::tensor(values).view({b, width}).to(batch.input_ids.device());
}

void gather_completion_values(std::vector<TrainingSequence>& sequences, const MicroBatch& batch,
                              const torch::Tensor& values, std::vector<float> TrainingSequence::*field) {
  auto cpu = values.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  const int64_t width = cpu.size(1);
  const float* data = cpu.data_ptr<float>();
  for (size_t i = 0; i < batch.rows.size(); ++i) {
    auto& s = sequences[batch.rows[i]];
    const int64_t p = static_cast<int64_t>(s.prompt_ids.size());
    auto& target = s.*field;
    target.resize(s.completion_ids.size());
    for (size_t j = 0; j < target.size(); ++j) target[j] = data[static_cast<int64_t>(i) * width + p - 1 + j];
  }
}

}  // namespace grpo
