// Issue 13's end-to-end check, as a user runs it (the real executable in subprocesses): a random Qwen3-family
// model with the real Qwen3 tokenizer and chat template (`grpo init --preset qwen3-tiny --tokenizer DIR`)
// trains 2 GRPO steps on GSM8K rows with `--template chat` (rewarded by accuracy and, so that a random
// model's completions differ in reward and the steps change the weights, the example plugin's ascii_ratio);
// the checkpoint carries tokenizer.json, tokenizer_config.json and prompt.json; it loads back exactly (a run
// resumed from the step-1 checkpoint ends with the same step-2 weights, bit for bit, as the uninterrupted
// run: its rollouts, sampled from the reloaded weights, had the same logits); and `grpo sample` prompts it
// with the chat options it was trained with.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/files.h"
#include "test_support.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using grpo::testing::CommandResult;

CommandResult grpo_run(const std::string& arguments) {
  return grpo::testing::run_command(
      fmt::format("'{}' -q --threads 1 {} 2>&1", grpo::testing::grpo_executable().string(), arguments));
}

// The first `rows` lines of a JSONL file.
std::string first_lines(const fs::path& file, int rows) {
  std::ifstream in(file);
  std::string line, text;
  for (int i = 0; i < rows && std::getline(in, line); ++i) text += line + "\n";
  return text;
}

TEST(RealCheckpoint, Qwen3WithItsChatTemplateTrainsTwoStepsAndLoadsBackExactly) {
  if (!fs::exists(grpo::testing::grpo_executable())) {
    GTEST_SKIP() << "the grpo executable is not built at " << grpo::testing::grpo_executable();
  }
  const fs::path shared = grpo::testing::shared_data_dir();
  if (shared.empty() || !fs::exists(shared / "tokenizers" / "qwen3")) {
    GTEST_SKIP() << "../shared/data/tokenizers/qwen3 is absent: no real Qwen3 tokenizer";
  }
  const fs::path qwen3 = shared / "tokenizers" / "qwen3";
  const fs::path plugin =
      grpo::testing::binary_dir() / "examples" / "reward_plugin" / "libexample_reward_plugin.so";
  if (!fs::exists(plugin)) GTEST_SKIP() << "the example reward plugin is not built at " << plugin;
  grpo::testing::TempDir dir;
  const fs::path model = dir / "qwen3-tiny", data = dir / "gsm8k.jsonl", run = dir / "run";

  const CommandResult init =
      grpo_run(fmt::format("init '{}' --preset qwen3-tiny --tokenizer '{}'", model.string(), qwen3.string()));
  ASSERT_EQ(init.exit_code, 0) << init.output;
  grpo::testing::write_text(data, first_lines(shared / "gsm8k" / "train.jsonl", 4));

  const std::string train = fmt::format(
      "--seed 5 train --model '{}' --data '{}' --eval-size 0 --template chat --system-prompt 'Answer with a "
      "number.' --chat-template-kwargs enable_thinking=false -G 2 --questions-per-step 2 "
      "--max-completion-length 4 --max-steps 2 --save-steps 1 --save-total-limit 10 --reward "
      "'accuracy,plugin:{}:ascii_ratio'",
      model.string(), data.string(), plugin.string());
  const CommandResult trained = grpo_run(fmt::format("{} -o '{}'", train, run.string()));
  ASSERT_EQ(trained.exit_code, 0) << trained.output;

  // The checkpoint carries the tokenizer files and how the model was prompted.
  const fs::path step2 = run / "checkpoints" / "step-00000002" / "model";
  ASSERT_TRUE(fs::exists(step2 / "model.safetensors")) << trained.output;
  EXPECT_EQ(read_file(step2 / "tokenizer.json"), read_file(qwen3 / "tokenizer.json"));
  EXPECT_EQ(read_file(step2 / "tokenizer_config.json"), read_file(qwen3 / "tokenizer_config.json"));
  const auto prompt = nlohmann::json::parse(read_file(step2 / "prompt.json"));
  EXPECT_EQ(prompt.at("template").at("name"), "chat");
  // The preview of the prompts the trainer rendered: Qwen3's template, the system prompt, thinking off.
  EXPECT_EQ(prompt.at("template").at("text"),
            "<|im_start|>system\nAnswer with a number.<|im_end|>\n<|im_start|>user\n{question}<|im_end|>\n"
            "<|im_start|>assistant\n<think>\n\n</think>\n\n");
  EXPECT_EQ(prompt.at("template").at("chat").at("system_prompt"), "Answer with a number.");
  EXPECT_EQ(prompt.at("template").at("chat").at("chat_template_kwargs"),
            nlohmann::json({{"enable_thinking", false}}));

  // Reload: resume from the step-1 checkpoint of a copy of the run; step 2 redone from the reloaded
  // weights, optimizer state and random state ends bit-identical.
  const fs::path resumed = dir / "resumed";
  fs::copy(run, resumed, fs::copy_options::recursive);
  fs::remove_all(resumed / "checkpoints" / "step-00000002");
  const CommandResult again = grpo_run(fmt::format("{} -o '{}' --resume", train, resumed.string()));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  const std::string weights = "checkpoints/step-00000002/model/model.safetensors";
  EXPECT_EQ(read_file(resumed / weights), read_file(run / weights))
      << "step 2 from the reloaded step-1 checkpoint differs from the uninterrupted run";
  EXPECT_NE(read_file(run / weights), read_file(run / "checkpoints/step-00000001/model/model.safetensors"))
      << "step 2 changed nothing, so the comparison above shows nothing";

  // grpo sample prompts the checkpoint as it was trained: the Qwen3 template, the system prompt, no thinking.
  const fs::path samples = dir / "samples.jsonl";
  const CommandResult sampled =
      grpo_run(fmt::format("sample --model '{}' --prompt 'What is 2 + 3?' --max-new-tokens 3 --out '{}'",
                           (run / "checkpoints" / "step-00000002").string(), samples.string()));
  ASSERT_EQ(sampled.exit_code, 0) << sampled.output;
  EXPECT_NE(sampled.output.find("prompting as the model was trained (prompt.json): template chat"),
            std::string::npos)
      << sampled.output;
  const auto sample = nlohmann::json::parse(first_lines(samples, 1));
  EXPECT_EQ(
      sample.at("prompt"),
      "<|im_start|>system\nAnswer with a number.<|im_end|>\n<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n"
      "<|im_start|>assistant\n<think>\n\n</think>\n\n");
}

// Every eos_token_id of generation_config.json ends a completion, as in transformers' generate (Qwen3's
// file lists <|im_end|> and <|endoftext|>); an id outside the model is refused with the file named.
TEST(RealCheckpoint, GenerationConfigEosIdsEndCompletions) {
  if (!fs::exists(grpo::testing::grpo_executable())) {
    GTEST_SKIP() << "the grpo executable is not built at " << grpo::testing::grpo_executable();
  }
  const fs::path shared = grpo::testing::shared_data_dir();
  if (shared.empty() || !fs::exists(shared / "tokenizers" / "qwen3")) {
    GTEST_SKIP() << "../shared/data/tokenizers/qwen3 is absent: no real Qwen3 tokenizer";
  }
  grpo::testing::TempDir dir;
  const fs::path model = dir / "qwen3-tiny", samples = dir / "samples.jsonl";
  const CommandResult init =
      grpo_run(fmt::format("init '{}' --preset qwen3-tiny --tokenizer '{}'", model.string(),
                           (shared / "tokenizers" / "qwen3").string()));
  ASSERT_EQ(init.exit_code, 0) << init.output;
  fs::remove(model / "generation_config.json");
  const std::string sample = fmt::format(
      "sample --model '{}' --prompt 'What is 2 + 3?' --temperature 0 --max-new-tokens 8 --out '{}'",
      model.string(), samples.string());
  auto first_sample = [&] {
    const CommandResult sampled = grpo_run(sample);
    EXPECT_EQ(sampled.exit_code, 0) << sampled.output;
    return nlohmann::json::parse(first_lines(samples, 1));
  };

  const auto free_run = first_sample();
  const auto tokens = free_run.at("token_ids").get<std::vector<int64_t>>();
  ASSERT_EQ(tokens.size(), 8u) << free_run.dump();
  ASSERT_EQ(free_run.at("finish_reason"), "length");
  // The 4th greedy token, declared an end token by generation_config.json only.
  const int64_t end = tokens[3];
  const size_t first_end = std::find(tokens.begin(), tokens.end(), end) - tokens.begin();
  grpo::testing::write_text(model / "generation_config.json",
                            fmt::format("{{\"eos_token_id\": [151645, {}]}}", end));
  const auto stopped = first_sample();
  EXPECT_EQ(stopped.at("finish_reason"), "eos") << stopped.dump();
  const auto stopped_tokens = stopped.at("token_ids").get<std::vector<int64_t>>();
  EXPECT_EQ(stopped_tokens, std::vector<int64_t>(
                                tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(first_end) + 1));

  grpo::testing::write_text(model / "generation_config.json", "{\"eos_token_id\": 999999}");
  const CommandResult refused = grpo_run(sample);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("generation_config.json': eos_token_id 999999 is not a token of the model"),
            std::string::npos)
      << refused.output;
}

}  // namespace
}  // namespace grpo
