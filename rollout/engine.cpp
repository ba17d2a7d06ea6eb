#include "rollout/engine.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <random>

#include "core/clock.h"
#include "core/error.h"
#include "model/mixed_precision.h"
#include "rollout/stop_strings.h"
#include "rollout/token_sampler.h"
#include "tokenizer/tokenizer_config.h"

namespace grpo {

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kEos:
      return "eos";
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
  }
  return "length";
}

namespace {

// Wall-clock phases need the device to have finished its queued work.
void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

// A uniform in [0, 1) with 24 random bits: exactly representable as float, never 1.
float next_uniform(std::mt19937_64& rng) {
  return static_cast<float>(rng() >> 40) * (1.0f / 16777216.0f);
}

torch::Tensor to_tensor(const std::vector<int64_t>& values, const torch::Device& device) {
  return torch::tensor(values, torch::kLong).to(device);
}

// A model's vocabulary may be padded beyond the tokenizer's: those ids are never sampled (they have no text).
// The log-prob keeps its definition over the whole vocabulary, the one the trainer recomputes.
int64_t sampleable_vocabulary(const Transformer& model, const Tokenizer* tokenizer) {
  const int64_t vocab = model->config().vocab_size;
  return tokenizer != nullptr ? std::min(tokenizer->vocab_size(), vocab) : vocab;
}

// One completion being generated.
struct Row {
  int64_t prompt_index = 0;
  int64_t limit = 0;  // most new tokens this row may generate
  std::mt19937_64 rng;
  Completion completion;
  bool finished = false;
};

// Left-padded sequences over a fixed number of columns, with explicit rotary positions and a key mask.
struct PaddedBatch {
  torch::Tensor ids;        // [n, capacity] int64 (0 where padded)
  torch::Tensor positions;  // [n, capacity] int64
  torch::Tensor mask;       // [n, capacity] bool, true = a real token

  PaddedBatch select_rows(const torch::Tensor& rows) const {  // rows [n'] int64
    return {ids.index_select(0, rows), positions.index_select(0, rows), mask.index_select(0, rows)};
  }
};

// The prompts `which` (indices into `prompts`), left-padded to `width`, over `capacity` >= width columns.
PaddedBatch pad_prompts(const std::vector<std::vector<int64_t>>& prompts, const std::vector<int64_t>& which,
                        int64_t width, int64_t capacity, const torch::Device& device) {
  const int64_t n = static_cast<int64_t>(which.size());
  std::vector<int64_t> ids(n * capacity, 0), positions(n * capacity, 0);
  std::vector<uint8_t> mask(n * capacity, 0);
  for (int64_t i = 0; i < n; ++i) {
    const auto& prompt = prompts[which[i]];
    const int64_t pad = width - static_cast<int64_t>(prompt.size());
    for (int64_t j = 0; j < capacity; ++j) positions[i * capacity + j] = std::max<int64_t>(0, j - pad);
    for (size_t t = 0; t < prompt.size(); ++t) {
      ids[i * capacity + pad + t] = prompt[t];
      mask[i * capacity + pad + t] = 1;
    }
  }
  return {torch::tensor(ids, torch::kLong).view({n, capacity}).to(device),
          torch::tensor(positions, torch::kLong).view({n, capacity}).to(device),
          torch::from_blob(mask.data(), {n, capacity}, torch::kUInt8).to(torch::kBool).to(device)};
}

// Joins per-chunk caches along the batch dimension.
KVCache concatenate(std::vector<KVCache> caches) {
  KVCache joined = std::move(caches.front());
  if (caches.size() == 1) return joined;
  for (size_t layer = 0; layer < joined.keys.size(); ++layer) {
    std::vector<torch::Tensor> keys{joined.keys[layer]}, values{joined.values[layer]};
    for (size_t c = 1; c < caches.size(); ++c) {
      keys.push_back(caches[c].keys[layer]);
      values.push_back(caches[c].values[layer]);
    }
    joined.keys[layer] = torch::cat(keys);
    joined.values[layer] = torch::cat(values);
  }
  return joined;
}

// Rows that decode together. The batch holds the rows still running, in `batch_rows_` order; finished rows
// are dropped in batches (compaction copies the cache).
class Wave {
 public:
  Wave(Transformer& model, const Tokenizer* tokenizer, const GenerationOptions& options,
       const std::vector<int64_t>& stop_ids, const std::vector<std::vector<int64_t>>& prompts,
       std::vector<Row>& rows, GenerationResult& result, double start_time)
      : model_(model),
        tokenizer_(tokenizer),
        options_(options),
        stop_ids_(stop_ids),
        prompts_(prompts),
        rows_(rows),
        result_(result),
        start_time_(start_time),
        device_(model->device()),
        stop_matcher_(options.stop_strings),
        sampler_(options.sampling, sampleable_vocabulary(model, tokenizer)) {}

  void run() {
    c10::InferenceMode inference_mode;
    prefill();
    for (int64_t step = 0; step < max_new_; ++step) {
      const int64_t column = prompt_width_ + step;  // the column the token sampled now goes into
      if (!options_.use_kv_cache) recompute_logits(column, step == 0);
      const torch::Tensor tokens = sample_and_record();  // [A]
      if (!any_active_) break;
      double phase_start = now_seconds();
      batch_.ids.index_put_({torch::indexing::Slice(), column}, tokens);
      batch_.mask.index_put_({torch::indexing::Slice(), column}, true);
      torch::Tensor next_tokens = tokens.unsqueeze(1);  // [A, 1]
      drop_finished_rows(next_tokens);
      result_.timings.sampling += now_seconds() - phase_start;
      if (options_.use_kv_cache) decode_step(next_tokens, column);
    }
    decode_texts();
  }

 private:
  // Lays the prompts out and, with the cache, runs each distinct prompt once (in passes of at most
  // max_prefill_tokens tokens), keeping the logits of its last position; the rows of one prompt then share
  // its cache rows.
  void prefill() {
    const double phase_start = now_seconds();
    std::vector<int64_t> prefill_prompts,
        row_to_prefill(rows_.size());  // each distinct prompt once when sharing
    for (size_t r = 0; r < rows_.size(); ++r) {
      const bool shared = options_.share_prompt_cache && !prefill_prompts.empty() &&
                          prefill_prompts.back() == rows_[r].prompt_index;
      if (!shared) prefill_prompts.push_back(rows_[r].prompt_index);
      row_to_prefill[r] = static_cast<int64_t>(prefill_prompts.size()) - 1;
    }
    for (int64_t p : prefill_prompts) prompt_width_ = std::max<int64_t>(prompt_width_, prompts_[p].size());
    for (const Row& row : rows_) max_new_ = std::max(max_new_, row.limit);
    const int64_t capacity = prompt_width_ + max_new_;
    const PaddedBatch padded =
        pad_prompts(prompts_, prefill_prompts, prompt_width_, capacity, device_);  // [U, .]
    const int64_t count = static_cast<int64_t>(prefill_prompts.size());
    result_.prompt_tokens_processed += count * prompt_width_;

    if (options_.use_kv_cache) {
      const int64_t cap = options_.memory.max_prefill_tokens;
      const int64_t chunk = cap > 0 ? std::max<int64_t>(1, cap / prompt_width_) : count;  // prompts per pass
      const auto prompt_cols = torch::indexing::Slice(0, prompt_width_);
      std::vector<KVCache> caches;
      std::vector<torch::Tensor> chunk_logits;
      for (int64_t first = 0; first < count; first += chunk) {
        const auto take = torch::indexing::Slice(first, std::min(count, first + chunk));
        KVCache cache = model_->make_cache(std::min(chunk, count - first), capacity);
        auto hidden = model_->hidden_states(padded.ids.index({take, prompt_cols}),
                                            padded.positions.index({take, prompt_cols}),
                                            padded.mask.index({take, prompt_cols}), &cache);      // [n, L, D]
        chunk_logits.push_back(model_->logits_from_hidden(hidden.select(1, prompt_width_ - 1)));  // [n, V]
        caches.push_back(std::move(cache));
      }
      cache_ = concatenate(std::move(caches));
      logits_ = torch::cat(chunk_logits);  // [U, V]
    }

    // The batch: one row per completion, the prefilled rows duplicated for the G samples of each prompt.
    batch_rows_.resize(rows_.size());
    for (size_t r = 0; r < rows_.size(); ++r) batch_rows_[r] = static_cast<int64_t>(r);
    const torch::Tensor row_index = to_tensor(row_to_prefill, device_);
    batch_ = padded.select_rows(row_index);  // [A, capacity]
    if (options_.use_kv_cache && count != static_cast<int64_t>(rows_.size())) {
      cache_.reorder(row_index);
      logits_ = logits_.index_select(0, row_index);
    }
    synchronize(device_);
    result_.timings.prefill += now_seconds() - phase_start;
  }

  // Without a cache (the benchmark baseline): recompute every row's whole sequence up to `column`.
  void recompute_logits(int64_t column, bool first_step) {
    const double phase_start = now_seconds();
    const int64_t batch = static_cast<int64_t>(batch_rows_.size());
    const int64_t cap = options_.memory.max_prefill_tokens;
    const int64_t row_chunk = cap > 0 ? std::max<int64_t>(1, cap / column) : batch;
    const auto cols = torch::indexing::Slice(0, column);
    std::vector<torch::Tensor> parts;
    for (int64_t first = 0; first < batch; first += row_chunk) {
      const auto take = torch::indexing::Slice(first, std::min(batch, first + row_chunk));
      auto hidden =
          model_->hidden_states(batch_.ids.index({take, cols}), batch_.positions.index({take, cols}),
                                batch_.mask.index({take, cols}), nullptr);        // [n, column, D]
      parts.push_back(model_->logits_from_hidden(hidden.select(1, column - 1)));  // [n, V]
    }
    logits_ = torch::cat(parts);  // [A, V]
    synchronize(device_);
    (first_step ? result_.timings.prefill : result_.timings.decode) += now_seconds() - phase_start;
  }

  // Samples one token for every row in the batch from logits_ [A, V], appends it to the running completions
  // and marks those that end. Returns the tokens [A]; any_active_ says whether a row still runs.
  torch::Tensor sample_and_record() {
    const double phase_start = now_seconds();
    torch::Tensor uniforms;  // [A]: one draw per row, from the row's own generator
    if (!options_.sampling.greedy()) {
      std::vector<float> values(batch_rows_.size());
      for (size_t i = 0; i < batch_rows_.size(); ++i) values[i] = next_uniform(rows_[batch_rows_[i]].rng);
      uniforms = torch::tensor(values);
    }
    const TokenSampler::Draw draw = sampler_.draw(logits_, uniforms);
    const torch::Tensor& tokens = draw.tokens;  // [A]
    const torch::Tensor tokens_cpu = tokens.to(torch::kCPU);
    const torch::Tensor logprobs_cpu = draw.logprobs.to(torch::kCPU);
    const int64_t* token_data = tokens_cpu.data_ptr<int64_t>();
    const float* logprob_data = logprobs_cpu.data_ptr<float>();

    any_active_ = false;
    for (size_t i = 0; i < batch_rows_.size(); ++i) {
      Row& row = rows_[batch_rows_[i]];
      if (row.finished) continue;
      row.completion.token_ids.push_back(token_data[i]);
      row.completion.logprobs.push_back(logprob_data[i]);
      finish_if_done(row);
      if (row.finished) {
        finished_in_batch_ += 1;
      } else {
        any_active_ = true;
      }
    }
    result_.timings.sampling += now_seconds() - phase_start;
    return tokens;
  }

  void finish_if_done(Row& row) {
    Completion& completion = row.completion;
    const int64_t token = completion.token_ids.back();
    if (options_.stop_at_eos && std::find(stop_ids_.begin(), stop_ids_.end(), token) != stop_ids_.end()) {
      completion.finish_reason = FinishReason::kEos;
    } else if (stop_matcher_.active() && stop_matcher_.matches(*tokenizer_, completion.token_ids)) {
      completion.finish_reason = FinishReason::kStop;
    } else if (static_cast<int64_t>(completion.token_ids.size()) >= row.limit) {
      completion.finish_reason = FinishReason::kLength;
    } else {
      return;
    }
    row.finished = true;
    completion.seconds = now_seconds() - start_time_;
  }

  // Drops finished rows from the batch (and the cache) once they are an eighth of it. next_tokens [A, 1].
  void drop_finished_rows(torch::Tensor& next_tokens) {
    const size_t batch_size = batch_rows_.size();
    if (finished_in_batch_ == 0 || finished_in_batch_ * 8 < batch_size) return;
    std::vector<int64_t> keep, kept_rows;
    for (size_t i = 0; i < batch_size; ++i) {
      if (rows_[batch_rows_[i]].finished) continue;
      keep.push_back(static_cast<int64_t>(i));
      kept_rows.push_back(batch_rows_[i]);
    }
    const torch::Tensor keep_index = to_tensor(keep, device_);
    batch_ = batch_.select_rows(keep_index);
    next_tokens = next_tokens.index_select(0, keep_index);
    if (options_.use_kv_cache) cache_.reorder(keep_index);
    batch_rows_ = std::move(kept_rows);
    finished_in_batch_ = 0;
  }

  // One token per row through the cache: next_tokens [A, 1] at `column` -> logits_ [A, V].
  void decode_step(const torch::Tensor& next_tokens, int64_t column) {
    const double phase_start = now_seconds();
    auto positions = batch_.positions.narrow(1, column, 1);  // [A, 1]
    auto hidden =
        model_->hidden_states(next_tokens, positions, batch_.mask.narrow(1, 0, column + 1), &cache_);
    // logits_from_hidden's product, written into a buffer kept from step to step: a fresh [A, V] tensor per
    // token is above glibc's mmap threshold for big vocabularies and gets faulted in anew every time
    const torch::Tensor& weight = model_->config().tie_word_embeddings ? model_->model->embed_tokens->weight
                                                                       : model_->lm_head->weight;  // [V, D]
    const int64_t rows = hidden.size(0), vocab = weight.size(0);
    if (active_compute_dtype(device_, weight.scalar_type()) != weight.scalar_type()) {
      // Inside a MixedPrecisionScope (model/mixed_precision.h; the KV cache is then bf16 too): autocast's
      // product, as in prefill and training (out= variants bypass autocast).
      logits_ = model_->logits_from_hidden(hidden.select(1, 0));  // [A, V] bf16
      synchronize(device_);
      result_.timings.decode += now_seconds() - phase_start;
      return;
    }
    if (!logits_buffer_.defined() || logits_buffer_.size(0) < rows) {
      logits_buffer_ = torch::empty({rows, vocab}, hidden.options());
    }
    logits_ = logits_buffer_.narrow(0, 0, rows);  // [A, V]
    torch::mm_out(logits_, hidden.select(1, 0), weight.t());
    synchronize(device_);
    result_.timings.decode += now_seconds() - phase_start;
  }

  // Text: decoded once per completion (the end token left out); cut right after the stop string.
  void decode_texts() {
    if (tokenizer_ == nullptr) return;
    const double phase_start = now_seconds();
    for (Row& row : rows_) {
      Completion& completion = row.completion;
      std::vector<int64_t> visible = completion.token_ids;
      if (completion.finish_reason == FinishReason::kEos && !visible.empty()) visible.pop_back();
      completion.text = tokenizer_->decode(visible);
      if (completion.finish_reason == FinishReason::kStop)
        completion.text = stop_matcher_.cut_after(completion.text);
    }
    result_.timings.sampling += now_seconds() - phase_start;
  }

  Transformer& model_;
  const Tokenizer* tokenizer_;
  const GenerationOptions& options_;
  const std::vector<int64_t>& stop_ids_;
  const std::vector<std::vector<int64_t>>& prompts_;
  std::vector<Row>& rows_;
  GenerationResult& result_;
  const double start_time_;
  const torch::Device device_;
  StopStringMatcher stop_matcher_;
  TokenSampler sampler_;  // keeps its [A, V] buffers from step to step

  int64_t prompt_width_ = 0;         // L: the common left-padded prompt length
  int64_t max_new_ = 0;              // the longest row limit
  PaddedBatch batch_;                // the running rows, [A, L + max_new_]
  std::vector<int64_t> batch_rows_;  // batch position -> index into rows_
  KVCache cache_;
  torch::Tensor logits_;          // [A, V]: the next token's logits for every batch row
  torch::Tensor logits_buffer_;   // [rows, V]: where decode steps write logits_
  size_t finished_in_batch_ = 0;  // finished rows not yet dropped
  bool any_active_ = false;
};

}  // namespace

RolloutEngine::RolloutEngine(Transformer model, const Tokenizer* tokenizer,
                             std::vector<int64_t> generation_eos_ids)
    : model_(std::move(model)), tokenizer_(tokenizer), generation_eos_ids_(std::move(generation_eos_ids)) {
  eos_id_ = tokenizer_ != nullptr && tokenizer_->eos_id() >= 0 ? tokenizer_->eos_id()
                                                               : model_->config().eos_token_id;
  const int64_t vocab = model_->config().vocab_size;
  for (int64_t id : generation_eos_ids_) {
    if (id < 0 || id >= vocab) {
      fail("end-of-sequence id {} is not a token of the model (vocab_size {})", id, vocab);
    }
  }
}

std::vector<int64_t> generation_eos_token_ids(const std::filesystem::path& model_directory,
                                              int64_t vocab_size) {
  const auto generation = find_generation_config(model_directory);
  if (!generation) return {};
  for (int64_t id : generation->eos_token_ids) {
    if (id < 0 || id >= vocab_size) {
      fail("'{}': eos_token_id {} is not a token of the model (vocab_size {}); correct the file or remove it",
           (model_directory / "generation_config.json").string(), id, vocab_size);
    }
  }
  return generation->eos_token_ids;
}

std::vector<int64_t> RolloutEngine::end_token_ids(const GenerationOptions& options) const {
  if (options.eos_token_id >= 0) return {options.eos_token_id};
  const ModelConfig& config = model_->config();
  std::vector<int64_t> ids{eos_id_, config.eos_token_id};
  ids.insert(ids.end(), config.extra_eos_token_ids.begin(), config.extra_eos_token_ids.end());
  ids.insert(ids.end(), generation_eos_ids_.begin(), generation_eos_ids_.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

GenerationResult RolloutEngine::generate(const std::vector<std::vector<int64_t>>& prompts,
                                         const GenerationOptions& options) {
  const double start = now_seconds();
  const auto& config = model_->config();
  if (prompts.empty()) fail("generate: no prompts given");
  if (options.num_samples < 1) fail("num_samples (G) must be >= 1, got {}", options.num_samples);
  if (options.max_new_tokens < 1) fail("max_new_tokens must be >= 1, got {}", options.max_new_tokens);
  if (options.memory.max_decode_rows < 0) {
    fail("max_decode_rows must be >= 0 (0 = no bound), got {}", options.memory.max_decode_rows);
  }
  if (options.memory.max_prefill_tokens < 0) {
    fail("max_prefill_tokens must be >= 0 (0 = no bound), got {}", options.memory.max_prefill_tokens);
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
      fail(
          "prompt {} has {} tokens but the model's context is {} (max_position_embeddings): shorten the "
          "prompt",
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
                         static_cast<uint32_t>(static_cast<int64_t>(p) + options.first_prompt_index),
                         static_cast<uint32_t>(g)};
      row.rng.seed(seed);
      row.completion.prompt_index = static_cast<int64_t>(p);
      row.completion.sample_index = g;
      rows.push_back(std::move(row));
    }
  }

  GenerationResult result;
  const std::vector<int64_t> stop_ids = end_token_ids(options);
  const size_t wave_rows =
      options.memory.max_decode_rows > 0 ? static_cast<size_t>(options.memory.max_decode_rows) : rows.size();
  for (size_t first = 0; first < rows.size(); first += wave_rows) {
    size_t last = std::min(rows.size(), first + wave_rows);
    std::vector<Row> wave(std::make_move_iterator(rows.begin() + first),
                          std::make_move_iterator(rows.begin() + last));
    Wave(model_, tokenizer_, options, stop_ids, prompts, wave, result, start).run();
    for (auto& row : wave) {
      result.generated_tokens += static_cast<int64_t>(row.completion.token_ids.size());
      result.completions.push_back(std::move(row.completion));
    }
  }
  result.timings.total = now_seconds() - start;
  return result;
}

}  // namespace grpo
