#include "rollout/engine.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <random>

#include "core/error.h"
#include "rollout/stop_strings.h"

namespace grpo {

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kEos: return "eos";
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
  }
  return "length";
}

namespace {

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// Wall-clock phases need the device to have finished its queued work.
void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

// A uniform in [0, 1) with 24 random bits: exactly representable as float, never 1.
float next_uniform(std::mt19937_64& rng) { return static_cast<float>(rng() >> 40) * (1.0f / 16777216.0f); }

torch::Tensor to_tensor(const std::vector<int64_t>& values, const torch::Device& device) {
  return torch::tensor(values, torch::kLong).to(device);
}

}  // namespace

struct RolloutEngine::Row {
  int64_t prompt_index = 0;
  int64_t limit = 0;  // most new tokens this row may generate
  std::mt19937_64 rng;
  Completion completion;
  bool finished = false;
};

RolloutEngine::RolloutEngine(Transformer model, const Tokenizer* tokenizer)
    : model_(std::move(model)), tokenizer_(tokenizer) {
  eos_id_ = tokenizer_ != nullptr && tokenizer_->eos_id() >= 0 ? tokenizer_->eos_id() : model_->config().eos_token_id;
}

GenerationResult RolloutEngine::generate(const std::vector<std::vector<int64_t>>& prompts,
                                         const GenerationOptions& options) {
  const double start = now_seconds();
  const auto& config = model_->config();
  if (prompts.empty()) fail("generate: no prompts given");
  if (options.num_samples < 1) fail("num_samples (G) must be >= 1, got {}", options.num_samples);
  if (options.max_new_tokens < 1) fail("max_new_tokens must be >= 1, got {}", options.max_new_tokens);
  if (options.max_tokens_per_forward < 0) {
    fail("max_tokens_per_forward must be >= 0 (0 = unbounded), got {}", options.max_tokens_per_forward);
  }
  options.sampling.validate(config.vocab_size);
  if (!options.stop_strings.empty() && tokenizer_ == nullptr) fail("stop strings need a tokenizer");
  for (const auto& stop : options.stop_strings) {
    if (stop.empty()) fail("a stop string is empty: remove it");
  }

  const int64_t context = config.max_position_embeddings;
  std::vector<Row> rows;
  rows.reserve(prompts.size() * static_cast<size_t>(options.num_samples));
  for (size_t p = 0; p < prompts.size(); ++p) {
    const auto& prompt = prompts[p];
    if (prompt.empty()) fail("prompt {} is empty: a prompt needs at least one token (e.g. bos)", p);
    if (static_cast<int64_t>(prompt.size()) >= context) {
      fail("prompt {} has {} tokens but the model's context is {} (max_position_embeddings): shorten the prompt",
           p, prompt.size(), context);
    }
    for (int64_t token : prompt) {
      if (token < 0 || token >= config.vocab_size) {
        fail("prompt {} holds token id {} outside the vocabulary [0, {})", p, token, config.vocab_size);
      }
    }
    for (int64_t g = 0; g < options.num_samples; ++g) {
      Row row;
      row.prompt_index = static_cast<int64_t>(p);
      row.limit = std::min<int64_t>(options.max_new_tokens, context - static_cast<int64_t>(prompt.size()));
      std::seed_seq seed{static_cast<uint32_t>(options.seed), static_cast<uint32_t>(options.seed >> 32),
                         static_cast<uint32_t>(p), static_cast<uint32_t>(g)};
      row.rng.seed(seed);
      row.completion.prompt_index = static_cast<int64_t>(p);
      row.completion.sample_index = g;
      rows.push_back(std::move(row));
    }
  }

  GenerationResult result;
  // Decoding processes one token per row per forward pass, so a bound on tokens is a bound on rows per wave.
  const size_t wave_rows = options.max_tokens_per_forward > 0
                               ? static_cast<size_t>(std::max<int64_t>(1, options.max_tokens_per_forward))
                               : rows.size();
  for (size_t first = 0; first < rows.size(); first += wave_rows) {
    size_t last = std::min(rows.size(), first + wave_rows);
    std::vector<Row> wave(std::make_move_iterator(rows.begin() + first), std::make_move_iterator(rows.begin() + last));
    run_wave(prompts, wave, options, result, start);
    for (auto& row : wave) {
      result.generated_tokens += static_cast<int64_t>(row.completion.token_ids.size());
      result.completions.push_back(std::move(row.completion));
    }
  }
  result.timings.total = now_seconds() - start;
  return result;
}

void RolloutEngine::run_wave(const std::vector<std::vector<int64_t>>& prompts, std::vector<Row>& rows,
                             const GenerationOptions& options, GenerationResult& result, double start_time) {
  c10::InferenceMode inference_mode;
  const torch::Device device = model_->device();
  const int64_t row_count = static_cast<int64_t>(rows.size());
  const int64_t cap = options.max_tokens_per_forward;

  // Prompts to prefill: each distinct prompt once when sharing, else one per row.
  std::vector<int64_t> prefill_prompts, row_to_prefill(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    bool shared = options.share_prompt_cache && !prefill_prompts.empty() &&
                  prefill_prompts.back() == rows[r].prompt_index;
    if (!shared) prefill_prompts.push_back(rows[r].prompt_index);
    row_to_prefill[r] = static_cast<int64_t>(prefill_prompts.size()) - 1;
  }
  int64_t prompt_width = 0, max_new = 0;  // L: the common left-padded prompt length
  for (int64_t p : prefill_prompts) prompt_width = std::max<int64_t>(prompt_width, prompts[p].size());
  for (const auto& row : rows) max_new = std::max(max_new, row.limit);
  const int64_t capacity = prompt_width + max_new;

  // Per-row layout over `capacity` columns: ids, rotary positions and the key mask (true = a real token).
  auto layout = [&](const std::vector<int64_t>& which) {
    const int64_t n = static_cast<int64_t>(which.size());
    std::vector<int64_t> ids(n * capacity, 0), positions(n * capacity, 0);
    std::vector<uint8_t> mask(n * capacity, 0);
    for (int64_t i = 0; i < n; ++i) {
      const auto& prompt = prompts[which[i]];
      const int64_t pad = prompt_width - static_cast<int64_t>(prompt.size());
      for (int64_t j = 0; j < capacity; ++j) positions[i * capacity + j] = std::max<int64_t>(0, j - pad);
      for (size_t t = 0; t < prompt.size(); ++t) {
        ids[i * capacity + pad + t] = prompt[t];
        mask[i * capacity + pad + t] = 1;
      }
    }
    auto mask_tensor = torch::from_blob(mask.data(), {n, capacity}, torch::kUInt8).to(torch::kBool).to(device);
    return std::make_tuple(torch::tensor(ids, torch::kLong).view({n, capacity}).to(device),
                           torch::tensor(positions, torch::kLong).view({n, capacity}).to(device), mask_tensor);
  };

  // ---- Prefill: run each prompt once (in chunks bounded by `cap` tokens); logits of its last position.
  double phase_start = now_seconds();
  auto [prefill_ids, prefill_positions, prefill_mask] = layout(prefill_prompts);  // [U, capacity] each
  const int64_t prefill_count = static_cast<int64_t>(prefill_prompts.size());
  const int64_t chunk = cap > 0 ? std::max<int64_t>(1, cap / prompt_width) : prefill_count;
  KVCache cache;
  torch::Tensor logits;  // [rows in batch, V]
  auto prompt_cols = torch::indexing::Slice(0, prompt_width);
  if (options.use_kv_cache) {
    std::vector<KVCache> chunk_caches;
    std::vector<torch::Tensor> chunk_logits;
    for (int64_t first = 0; first < prefill_count; first += chunk) {
      int64_t n = std::min(chunk, prefill_count - first);
      auto take = torch::indexing::Slice(first, first + n);
      KVCache chunk_cache = model_->make_cache(n, capacity);
      auto hidden = model_->hidden_states(prefill_ids.index({take, prompt_cols}),
                                          prefill_positions.index({take, prompt_cols}),
                                          prefill_mask.index({take, prompt_cols}), &chunk_cache);  // [n, L, D]
      chunk_logits.push_back(model_->logits_from_hidden(hidden.select(1, prompt_width - 1)));  // [n, V]
      chunk_caches.push_back(std::move(chunk_cache));
    }
    if (chunk_caches.size() > 1) {  // join the chunks' caches along the batch dimension
      for (size_t layer = 0; layer < chunk_caches.front().keys.size(); ++layer) {
        std::vector<torch::Tensor> keys, values;
        for (auto& c : chunk_caches) {
          keys.push_back(c.keys[layer]);
          values.push_back(c.values[layer]);
        }
        chunk_caches.front().keys[layer] = torch::cat(keys);
        chunk_caches.front().values[layer] = torch::cat(values);
      }
    }
    cache = std::move(chunk_caches.front());
    logits = torch::cat(chunk_logits);
  }
  result.prompt_tokens_processed += prefill_count * prompt_width;

  // Rows of the batch, in batch order; the prefilled rows are duplicated for the G samples of each prompt.
  std::vector<int64_t> batch_rows(rows.size());
  for (int64_t r = 0; r < row_count; ++r) batch_rows[r] = r;
  auto row_index = to_tensor(row_to_prefill, device);
  auto batch_ids = prefill_ids.index_select(0, row_index);              // [A, capacity]
  auto batch_positions = prefill_positions.index_select(0, row_index);  // [A, capacity]
  auto batch_mask = prefill_mask.index_select(0, row_index);            // [A, capacity]
  if (options.use_kv_cache) {
    bool identity = prefill_count == row_count;
    if (!identity) {
      cache.reorder(row_index);
      logits = logits.index_select(0, row_index);
    }
  }
  synchronize(device);
  result.timings.prefill += now_seconds() - phase_start;

  StopStringMatcher stop_matcher(options.stop_strings);
  const int64_t eos_id = options.eos_token_id >= 0 ? options.eos_token_id : eos_id_;
  const int64_t sampleable_vocab = tokenizer_ != nullptr ? std::min(tokenizer_->vocab_size(), model_->config().vocab_size)
                                                         : model_->config().vocab_size;
  std::vector<int64_t> finished_in_batch;  // batch positions of finished rows not yet dropped
  for (int64_t step = 0; step < max_new; ++step) {
    const int64_t column = prompt_width + step;  // the column the token sampled now goes into

    // ---- Forward without a cache: recompute every row's whole sequence (the benchmark baseline).
    if (!options.use_kv_cache) {
      phase_start = now_seconds();
      const int64_t batch = static_cast<int64_t>(batch_rows.size());
      const int64_t row_chunk = cap > 0 ? std::max<int64_t>(1, cap / column) : batch;
      std::vector<torch::Tensor> parts;
      auto cols = torch::indexing::Slice(0, column);
      for (int64_t first = 0; first < batch; first += row_chunk) {
        auto take = torch::indexing::Slice(first, std::min(batch, first + row_chunk));
        auto hidden = model_->hidden_states(batch_ids.index({take, cols}), batch_positions.index({take, cols}),
                                            batch_mask.index({take, cols}), nullptr);
        parts.push_back(model_->logits_from_hidden(hidden.select(1, column - 1)));
      }
      logits = torch::cat(parts);
      synchronize(device);
      (step == 0 ? result.timings.prefill : result.timings.decode) += now_seconds() - phase_start;
    }

    // ---- Sample one token for every row in the batch.
    phase_start = now_seconds();
    torch::Tensor tokens;
    // A model's vocabulary may be padded beyond the tokenizer's: those ids are never sampled (they have no text).
    // The log-prob keeps its definition over the whole vocabulary, the one the trainer recomputes.
    auto sample_logits = logits;
    if (sampleable_vocab < logits.size(-1)) {
      sample_logits = logits.to(torch::kFloat32).clone();
      sample_logits.narrow(-1, sampleable_vocab, logits.size(-1) - sampleable_vocab)
          .fill_(-std::numeric_limits<float>::infinity());
    }
    if (options.sampling.greedy()) {
      tokens = sample_logits.argmax(-1);
    } else {
      std::vector<float> uniforms(batch_rows.size());
      for (size_t i = 0; i < batch_rows.size(); ++i) uniforms[i] = next_uniform(rows[batch_rows[i]].rng);
      tokens = sample_with_uniforms(filter_logits(sample_logits, options.sampling), torch::tensor(uniforms));
    }
    auto token_logprobs = sampling_logprobs(logits, tokens, options.sampling.temperature);
    auto tokens_cpu = tokens.to(torch::kCPU);
    auto logprobs_cpu = token_logprobs.to(torch::kCPU);
    const int64_t* token_data = tokens_cpu.data_ptr<int64_t>();
    const float* logprob_data = logprobs_cpu.data_ptr<float>();

    bool any_active = false;
    for (size_t i = 0; i < batch_rows.size(); ++i) {
      Row& row = rows[batch_rows[i]];
      if (row.finished) continue;
      auto& completion = row.completion;
      completion.token_ids.push_back(token_data[i]);
      completion.logprobs.push_back(logprob_data[i]);
      if (options.stop_at_eos && token_data[i] == eos_id) {
        completion.finish_reason = FinishReason::kEos;
        row.finished = true;
      } else if (stop_matcher.active() && stop_matcher.matches(*tokenizer_, completion.token_ids)) {
        completion.finish_reason = FinishReason::kStop;
        row.finished = true;
      } else if (static_cast<int64_t>(completion.token_ids.size()) >= row.limit) {
        completion.finish_reason = FinishReason::kLength;
        row.finished = true;
      }
      if (row.finished) {
        completion.seconds = now_seconds() - start_time;
        finished_in_batch.push_back(static_cast<int64_t>(i));
      } else {
        any_active = true;
      }
    }
    result.timings.sampling += now_seconds() - phase_start;
    if (!any_active) break;

    // ---- Record the sampled tokens; drop finished rows once they are a noticeable share of the batch
    // (dropping copies the cache, so it is batched).
    phase_start = now_seconds();
    batch_ids.index_put_({torch::indexing::Slice(), column}, tokens);
    batch_mask.index_put_({torch::indexing::Slice(), column}, true);
    auto next_tokens = tokens.unsqueeze(1);  // [A, 1]
    const size_t batch_size = batch_rows.size();
    if (!finished_in_batch.empty() && finished_in_batch.size() * 8 >= batch_size) {
      std::vector<int64_t> keep, kept_rows;
      for (size_t i = 0; i < batch_size; ++i) {
        if (!rows[batch_rows[i]].finished) {
          keep.push_back(static_cast<int64_t>(i));
          kept_rows.push_back(batch_rows[i]);
        }
      }
      auto keep_index = to_tensor(keep, device);
      batch_ids = batch_ids.index_select(0, keep_index);
      batch_positions = batch_positions.index_select(0, keep_index);
      batch_mask = batch_mask.index_select(0, keep_index);
      next_tokens = next_tokens.index_select(0, keep_index);
      if (options.use_kv_cache) cache.reorder(keep_index);
      batch_rows = std::move(kept_rows);
      finished_in_batch.clear();
    }
    result.timings.sampling += now_seconds() - phase_start;

    // ---- Forward one token per row through the cache.
    if (options.use_kv_cache) {
      phase_start = now_seconds();
      auto positions = batch_positions.narrow(1, column, 1);  // [A, 1]
      auto hidden = model_->hidden_states(next_tokens, positions, batch_mask.narrow(1, 0, column + 1), &cache);
      logits = model_->logits_from_hidden(hidden.select(1, 0));  // [A, V]
      synchronize(device);
      result.timings.decode += now_seconds() - phase_start;
    }
  }

  // ---- Text: decode once per completion; cut right after the stop string.
  double text_start = now_seconds();
  for (auto& row : rows) {
    auto& completion = row.completion;
    if (tokenizer_ == nullptr) continue;
    std::vector<int64_t> visible = completion.token_ids;
    if (completion.finish_reason == FinishReason::kEos && !visible.empty()) visible.pop_back();
    completion.text = tokenizer_->decode(visible);
    if (completion.finish_reason == FinishReason::kStop) completion.text = stop_matcher.cut_after(completion.text);
  }
  result.timings.sampling += now_seconds() - text_start;
}

}  // namespace grpo
