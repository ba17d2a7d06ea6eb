#include "trainer/sft_batch.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "core/error.h"

namespace grpo {

namespace {

// An example's shifted length: n - 1 positions, each predicting the next token.
int64_t positions_of(const SftExample& example) {
  return std::max<int64_t>(0, static_cast<int64_t>(example.ids.size()) - 1);
}

// Fills rows of `width` positions: row r holds rows[r]'s examples one after another.
SftBatch fill_batch(const std::vector<std::vector<const SftExample*>>& rows, bool packed) {
  int64_t width = 1;
  for (const auto& row : rows) {
    int64_t used = 0;
    for (const SftExample* example : row) used += positions_of(*example);
    width = std::max(width, used);
  }
  const int64_t batch = static_cast<int64_t>(rows.size());
  std::vector<int64_t> inputs(batch * width, 0), targets(batch * width, 0), positions(batch * width, 0),
      segments(batch * width, -1);
  std::vector<uint8_t> trained(batch * width, 0), real(batch * width, 0);
  SftBatch result;
  for (int64_t r = 0; r < batch; ++r) {
    int64_t at = r * width;
    int64_t segment = 0;
    for (const SftExample* example : rows[r]) {
      const int64_t length = positions_of(*example);
      for (int64_t t = 0; t < length; ++t, ++at) {
        inputs[at] = example->ids[t];
        targets[at] = example->ids[t + 1];
        trained[at] = example->trained[t + 1];
        positions[at] = t;
        segments[at] = segment;
        real[at] = 1;
        result.trained_tokens += example->trained[t + 1];
        ++result.tokens;
      }
      ++segment;
    }
  }
  auto as_tensor = [&](std::vector<int64_t>& values) {
    return torch::from_blob(values.data(), {batch, width}, torch::kLong).clone();
  };
  auto as_mask = [&](std::vector<uint8_t>& values) {
    return torch::from_blob(values.data(), {batch, width}, torch::kUInt8).to(torch::kBool);
  };
  result.input_ids = as_tensor(inputs);
  result.targets = as_tensor(targets);
  result.positions = as_tensor(positions);
  result.loss_mask = as_mask(trained);
  if (packed) {
    result.segment_ids = as_tensor(segments);
  } else {
    result.attention_mask = as_mask(real);
  }
  return result;
}

}  // namespace

std::vector<std::vector<size_t>> pack_by_length(const std::vector<int64_t>& lengths, int64_t capacity) {
  std::vector<size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lengths[a] > lengths[b]; });
  std::vector<std::vector<size_t>> rows;
  std::multimap<int64_t, size_t> room;  // room left -> row
  for (size_t index : order) {
    const int64_t length = lengths[index];
    if (length > capacity)
      fail("packing: an example of {} positions exceeds the row of {}", length, capacity);
    auto fit = room.lower_bound(length);
    size_t row = 0;
    int64_t left = 0;
    if (fit == room.end()) {
      row = rows.size();
      rows.emplace_back();
      left = capacity;
    } else {
      row = fit->second;
      left = fit->first;
      room.erase(fit);
    }
    rows[row].push_back(index);
    room.emplace(left - length, row);
  }
  return rows;
}

SftBatch unpacked_batch(const std::vector<const SftExample*>& examples) {
  std::vector<std::vector<const SftExample*>> rows;
  for (const SftExample* example : examples) rows.push_back({example});
  return fill_batch(rows, /*packed=*/false);
}

SftBatch packed_batch(const std::vector<std::vector<const SftExample*>>& rows) {
  return fill_batch(rows, /*packed=*/true);
}

SftLoss sft_loss(TransformerImpl& model, const SftBatch& batch) {
  const auto device = model.device();
  auto inputs = batch.input_ids.to(device);
  auto positions = batch.positions.to(device);
  torch::Tensor hidden;  // [B, T, D]
  if (batch.segment_ids.defined()) {
    hidden = model.packed_hidden_states(inputs, positions, batch.segment_ids);
  } else {
    hidden = model.hidden_states(inputs, positions, batch.attention_mask);
  }
  auto mask = batch.loss_mask.to(device);
  auto logprobs = token_logprobs(model, hidden, batch.targets, mask);  // [B, T], 0 where masked
  SftLoss result;
  result.tokens = batch.trained_tokens;
  auto sum = -logprobs.sum();
  result.nll_sum = sum.detach();
  result.loss = sum / static_cast<double>(std::max<int64_t>(1, batch.trained_tokens));
  return result;
}

}  // namespace grpo
