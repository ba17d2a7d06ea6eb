#include "trainer/pretrain.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <numeric>

#include "core/clock.h"
#include "core/error.h"
#include "model/device.h"
#include "model/model_dir.h"
#include "model/tokenizer_files.h"
#include "tokenizer/tokenizer.h"
#include "trainer/lr_schedule.h"
#include "trainer/optimizer.h"

namespace grpo {

namespace fs = std::filesystem;

namespace {

// bos + document + eos for every document of every input, as one stream.
std::vector<int64_t> tokenize_corpus(const PretrainConfig& config, const Tokenizer& tokenizer) {
  std::vector<int64_t> stream;
  auto add_document = [&](const std::string& text) {
    if (text.empty()) return;
    if (tokenizer.bos_id() >= 0) stream.push_back(tokenizer.bos_id());
    auto ids = tokenizer.encode(text);
    stream.insert(stream.end(), ids.begin(), ids.end());
    if (tokenizer.eos_id() >= 0) stream.push_back(tokenizer.eos_id());
  };
  for (const auto& path : config.text_files) {
    std::ifstream in(path);
    if (!in) fail("pretrain: cannot open text file '{}'", path);
    for (std::string line; std::getline(in, line);) add_document(line);
  }
  for (const auto& path : config.jsonl_files) {
    std::ifstream in(path);
    if (!in) fail("pretrain: cannot open data file '{}'", path);
    int64_t line_number = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      nlohmann::json row;
      try {
        row = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception& e) {
        fail("{}:{}: not valid JSON ({})", path, line_number, e.what());
      }
      if (!row.is_object() || !row.contains(config.jsonl_field) || !row[config.jsonl_field].is_string()) {
        fail("{}:{}: no text field '{}' (use --field to name the one holding the text)", path, line_number,
             config.jsonl_field);
      }
      add_document(row[config.jsonl_field].get<std::string>());
    }
  }
  return stream;
}

}  // namespace

PretrainResult pretrain(const PretrainConfig& config) {
  if (config.model.empty()) fail("pretrain: --model is required (make one with `grpo init DIR`)");
  if (config.text_files.empty() && config.jsonl_files.empty())
    fail("pretrain: give --text FILE or --data FILE.jsonl");
  if (config.seq_len < 2 || config.batch_size < 1 || config.max_steps < 1) {
    fail("pretrain: seq_len >= 2, batch_size >= 1 and max_steps >= 1 are needed");
  }
  const double start = now_seconds();
  const torch::Device device = parse_device(config.device);
  auto tokenizer = load_tokenizer(config.model);
  Transformer model = load_model(config.model, device);
  if (config.seq_len > model->config().max_position_embeddings) {
    fail("pretrain: seq_len {} exceeds the model's context ({})", config.seq_len,
         model->config().max_position_embeddings);
  }

  // Rows of seq_len + 1 tokens cut from the packed stream; the last eval_fraction held out.
  std::vector<int64_t> stream = tokenize_corpus(config, *tokenizer);
  const int64_t row_length = config.seq_len + 1;
  const int64_t row_count = static_cast<int64_t>(stream.size()) / row_length;
  if (row_count < 2) {
    fail(
        "pretrain: the corpus has {} tokens, fewer than two rows of {}: give more text or a smaller "
        "--seq-len",
        stream.size(), row_length);
  }
  auto rows = torch::from_blob(stream.data(), {row_count, row_length}, torch::kLong).clone();  // [R, T+1]
  const int64_t eval_rows =
      std::min<int64_t>(row_count - 1, static_cast<int64_t>(row_count * config.eval_fraction));
  auto train_rows = rows.narrow(0, 0, row_count - eval_rows);
  auto held_out = rows.narrow(0, row_count - eval_rows, eval_rows);
  fmt::print(stderr, "pretrain: {} tokens, {} training rows and {} held out of {} tokens each\n",
             stream.size(), train_rows.size(0), eval_rows, row_length);

  auto optimizer = make_adamw(*model, {config.learning_rate, 0.9, 0.95, 1e-8, config.weight_decay});
  LrSchedule schedule{config.learning_rate, config.warmup_steps, config.max_steps,
                      parse_schedule(config.lr_scheduler_type), config.min_lr_ratio};

  const int64_t steps_per_row = config.seq_len;
  auto positions = torch::arange(steps_per_row, torch::kLong).unsqueeze(0).to(device);  // [1, T]
  // Mean next-token loss of rows [b, T+1].
  auto loss_of = [&](const torch::Tensor& batch) {
    auto on_device = batch.to(device);
    auto inputs = on_device.narrow(1, 0, steps_per_row);
    auto targets = on_device.narrow(1, 1, steps_per_row);
    auto hidden = model->hidden_states(inputs, positions.expand_as(inputs), {});
    auto mask = torch::ones_like(targets, torch::kBool);
    return -token_logprobs(*model, hidden, targets, mask).mean();
  };
  auto evaluate = [&]() {
    if (eval_rows == 0) return std::nan("");
    torch::NoGradGuard no_grad;
    model->eval();
    double total = 0;
    int64_t batches = 0;
    for (int64_t first = 0; first < eval_rows; first += config.batch_size) {
      total +=
          loss_of(held_out.narrow(0, first, std::min(config.batch_size, eval_rows - first))).item<double>();
      ++batches;
    }
    model->train();
    return total / static_cast<double>(batches);
  };

  torch::manual_seed(config.seed);
  torch::Tensor order = torch::randperm(train_rows.size(0), torch::kLong);
  int64_t cursor = 0;
  PretrainResult result;
  result.corpus_tokens = static_cast<int64_t>(stream.size());
  double window_loss = 0;
  int64_t window_steps = 0;
  double window_start = now_seconds();
  model->train();
  for (int64_t step = 0; step < config.max_steps; ++step) {
    if (cursor + config.batch_size > order.size(0)) {  // a new epoch, reshuffled
      order = torch::randperm(train_rows.size(0), torch::kLong);
      cursor = 0;
    }
    auto batch =
        train_rows.index_select(0, order.narrow(0, cursor, std::min(config.batch_size, order.size(0))));
    cursor += config.batch_size;
    const double lr = schedule.at(step);
    set_learning_rate(*optimizer, lr);
    optimizer->zero_grad();
    auto loss = loss_of(batch);
    double loss_value = loss.item<double>();
    if (!std::isfinite(loss_value))
      fail("pretrain: step {}: the loss is {}; lower --lr", step + 1, loss_value);
    loss.backward();
    if (config.max_grad_norm > 0)
      torch::nn::utils::clip_grad_norm_(model->parameters(), config.max_grad_norm);
    optimizer->step();
    result.tokens_seen += batch.size(0) * steps_per_row;
    window_loss += loss_value;
    ++window_steps;
    const bool last = step + 1 == config.max_steps;
    if ((step + 1) % config.log_steps == 0 || last) {
      double elapsed = now_seconds() - window_start;
      double tokens_per_second =
          static_cast<double>(window_steps * config.batch_size * steps_per_row) / elapsed;
      double eta = (now_seconds() - start) / static_cast<double>(step + 1) *
                   static_cast<double>(config.max_steps - step - 1);
      std::string eval_text;
      if (config.eval_steps > 0 && ((step + 1) % config.eval_steps == 0 || last)) {
        eval_text = fmt::format(" | held-out {:.4f}", evaluate());
      }
      result.train_loss = window_loss / static_cast<double>(window_steps);
      fmt::print(stderr, "pretrain step {}/{} | loss {:.4f}{} | lr {:.2e} | {:.0f} tok/s | ETA {:.0f}s\n",
                 step + 1, config.max_steps, result.train_loss, eval_text, lr, tokens_per_second, eta);
      window_loss = 0;
      window_steps = 0;
      window_start = now_seconds();
    }
  }
  result.eval_loss = evaluate();
  fs::path output = config.output.empty() ? fs::path(config.model) : fs::path(config.output);
  model->eval();
  save_model(*model, output);
  copy_tokenizer_files(config.model, output);
  result.seconds = now_seconds() - start;
  fmt::print(stderr, "pretrain: wrote {} ({} tokens seen, {:.0f} s)\n", output.string(), result.tokens_seen,
             result.seconds);
  return result;
}

}  // namespace grpo
