// `grpo init` and `grpo info` as a user runs them: the real executable in a subprocess, real files.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/files.h"
#include "test_support.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using grpo::testing::CommandResult;
using grpo::testing::TempDir;

CommandResult grpo_run(const std::string& arguments) {
  return grpo::testing::run_command(
      fmt::format("'{}' -q {}", grpo::testing::grpo_executable().string(), arguments));
}

class InitInfo : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(grpo::testing::grpo_executable())) {
      GTEST_SKIP() << "the grpo executable is not built at " << grpo::testing::grpo_executable();
    }
  }
  TempDir dir_;
};

TEST_F(InitInfo, InitThenInfoWithARealTokenizer) {
  const fs::path shared = grpo::testing::shared_data_dir();
  if (shared.empty())
    GTEST_SKIP() << "../shared/data is absent: no SentencePiece model to build the model around";
  const fs::path tokenizer = shared / "sentencepiece" / "test_model.model";
  const fs::path model = dir_ / "models" / "tiny";

  CommandResult init =
      grpo_run(fmt::format("init '{}' --tokenizer '{}'", model.string(), tokenizer.string()));
  ASSERT_EQ(init.exit_code, 0) << init.output;
  EXPECT_NE(init.output.find("994,432"), std::string::npos)
      << init.output;  // tiny at the tokenizer's 1000 pieces
  EXPECT_TRUE(fs::exists(model / "config.json"));
  EXPECT_TRUE(fs::exists(model / "model.safetensors"));
  EXPECT_EQ(read_file(model / "tokenizer.model"), read_file(tokenizer));
  int entries = 0;
  for ([[maybe_unused]] const auto& item : fs::directory_iterator(model.parent_path())) ++entries;
  EXPECT_EQ(entries, 1) << "no staging directory is left beside the model";

  CommandResult info = grpo_run(fmt::format("info '{}'", model.string()));
  ASSERT_EQ(info.exit_code, 0) << info.output;
  for (const char* expected :
       {"llama, 4 layers, hidden 128", "vocabulary 1000", "parameters: 994,432",
        "the count config.json implies", "tokenizer: tokenizer.model (SentencePiece), 1000 tokens",
        "weights in bfloat16", "training with AdamW"}) {
    EXPECT_NE(info.output.find(expected), std::string::npos) << "lacks '" << expected << "':\n"
                                                             << info.output;
  }
}

TEST_F(InitInfo, ExplicitSizesAndQwen2) {
  const fs::path model = dir_ / "custom";
  CommandResult init = grpo_run(fmt::format(
      "init '{}' --model-type qwen2 --hidden-size 64 --layers 3 --heads 4 --kv-heads 2 --vocab-size 300 "
      "--tie-embeddings --dtype bfloat16",
      model.string()));
  ASSERT_EQ(init.exit_code, 0) << init.output;
  CommandResult info = grpo_run(fmt::format("info '{}'", model.string()));
  ASSERT_EQ(info.exit_code, 0) << info.output;
  for (const char* expected : {"qwen2, 3 layers, hidden 64, intermediate 192", "4 heads (2 key/value",
                               "vocabulary 300", "tied head", "q/k/v biases", "(BF16)", "tokenizer: none"}) {
    EXPECT_NE(info.output.find(expected), std::string::npos) << "lacks '" << expected << "':\n"
                                                             << info.output;
  }
}

TEST_F(InitInfo, RefusesANonEmptyDirectoryWithoutForce) {
  const fs::path model = dir_ / "m";
  ASSERT_EQ(grpo_run(fmt::format("init '{}' --vocab-size 200", model.string())).exit_code, 0);
  const std::string weights_before = read_file(model / "model.safetensors");

  CommandResult again = grpo_run(fmt::format("init '{}' --vocab-size 200 --layers 2", model.string()));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("not empty"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("--force"), std::string::npos) << again.output;
  EXPECT_EQ(read_file(model / "model.safetensors"), weights_before) << "a refused init changes nothing";

  CommandResult forced =
      grpo_run(fmt::format("init '{}' --vocab-size 200 --layers 2 --force", model.string()));
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_NE(read_file(model / "model.safetensors"), weights_before);
  EXPECT_NE(grpo_run(fmt::format("info '{}'", model.string())).output.find("2 layers"), std::string::npos);
}

TEST_F(InitInfo, BadSizesGiveOneErrorLineAndLeaveNothing) {
  const fs::path model = dir_ / "bad";
  CommandResult init =
      grpo_run(fmt::format("init '{}' --hidden-size 66 --heads 4 --vocab-size 100", model.string()));
  EXPECT_EQ(init.exit_code, 1);
  EXPECT_NE(init.output.find("error: config field hidden_size = 66"), std::string::npos) << init.output;
  EXPECT_EQ(init.output.find('\n'), init.output.size() - 1) << "one line:\n" << init.output;
  EXPECT_FALSE(fs::exists(model));
  EXPECT_TRUE(fs::is_empty(dir_.path()));
}

TEST_F(InitInfo, InfoOnADamagedDirectoryNamesTheFile) {
  const fs::path model = dir_ / "m";
  ASSERT_EQ(grpo_run(fmt::format("init '{}' --vocab-size 200", model.string())).exit_code, 0);
  const std::string weights = read_file(model / "model.safetensors");
  grpo::testing::write_text(model / "model.safetensors", weights.substr(0, weights.size() / 2));
  CommandResult info = grpo_run(fmt::format("info '{}'", model.string()));
  EXPECT_EQ(info.exit_code, 1);
  EXPECT_NE(info.output.find("grpo: error: '" + (model / "model.safetensors").string() + "'"),
            std::string::npos)
      << info.output;
  EXPECT_NE(info.output.find("truncated"), std::string::npos) << info.output;

  CommandResult missing = grpo_run(fmt::format("info '{}'", (dir_ / "absent").string()));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("grpo init"), std::string::npos) << missing.output;
}

// Issue 12 §2.12: sizes whose parameter count does not fit 64 bits are refused, never printed as negative
// counts.
TEST_F(InitInfo, InfoRefusesSizesTooLargeToCount) {
  fs::create_directories(dir_ / "huge");
  grpo::testing::write_text(dir_ / "huge" / "config.json",
                            R"({"model_type": "llama", "vocab_size": 1000000, "hidden_size": 1099511627776,
                                "intermediate_size": 1099511627776, "num_hidden_layers": 1000,
                                "num_attention_heads": 16})");
  CommandResult info = grpo_run(fmt::format("info '{}'", (dir_ / "huge").string()));
  EXPECT_EQ(info.exit_code, 1);
  EXPECT_NE(info.output.find("64-bit"), std::string::npos) << info.output;
  EXPECT_EQ(info.output.find("parameters: -"), std::string::npos) << info.output;
}

// Issue 12 §2.13: float16 on the CPU is refused before any computation, with the dtype to use instead.
TEST_F(InitInfo, Float16OnTheCpuSuggestsBFloat16) {
  const fs::path shared = grpo::testing::shared_data_dir();
  if (shared.empty()) GTEST_SKIP() << "../shared/data is absent: no SentencePiece model to sample with";
  const fs::path model = dir_ / "m";
  ASSERT_EQ(grpo_run(fmt::format("init '{}' --tokenizer '{}'", model.string(),
                                 (shared / "sentencepiece" / "test_model.model").string()))
                .exit_code,
            0);
  CommandResult sample =
      grpo_run(fmt::format("sample --model '{}' --prompt hello --dtype float16", model.string()));
  EXPECT_EQ(sample.exit_code, 1);
  EXPECT_NE(sample.output.find("float16 needs CUDA"), std::string::npos) << sample.output;
  EXPECT_NE(sample.output.find("bfloat16"), std::string::npos) << sample.output;
  EXPECT_EQ(sample.output.find("addmm"), std::string::npos) << "no raw LibTorch error:\n" << sample.output;
}

TEST_F(InitInfo, FamilyPresetsHaveTheFamiliesArchitecture) {
  const fs::path model = dir_ / "llama3";
  CommandResult init = grpo_run(fmt::format("init '{}' --preset llama3-tiny", model.string()));
  ASSERT_EQ(init.exit_code, 0) << init.output;
  const auto config = nlohmann::json::parse(read_file(model / "config.json"));
  EXPECT_EQ(config["model_type"], "llama");
  EXPECT_EQ(config["vocab_size"], 128256);
  EXPECT_EQ(config["head_dim"], 16);
  EXPECT_EQ(config["tie_word_embeddings"], true);
  EXPECT_EQ(config["rope_scaling"]["rope_type"], "llama3");
  EXPECT_EQ(config["rope_scaling"]["factor"], 32.0);

  CommandResult contradiction =
      grpo_run(fmt::format("init '{}' --preset qwen3-tiny --model-type qwen2", (dir_ / "x").string()));
  EXPECT_EQ(contradiction.exit_code, 1);
  EXPECT_NE(contradiction.output.find("--model-type qwen2 contradicts --preset qwen3-tiny"),
            std::string::npos)
      << contradiction.output;
}

TEST_F(InitInfo, MoeTinyPresetAndInfoShowExpertsAndActiveParameters) {
  const fs::path model = dir_ / "moe";
  CommandResult init = grpo_run(fmt::format("init '{}' --preset moe-tiny --vocab-size 300", model.string()));
  ASSERT_EQ(init.exit_code, 0) << init.output;
  const auto config = nlohmann::json::parse(read_file(model / "config.json"));
  EXPECT_EQ(config["architectures"][0], "Qwen2MoeForCausalLM");
  EXPECT_EQ(config["num_experts"], 8);
  EXPECT_EQ(config["num_experts_per_tok"], 2);
  EXPECT_EQ(config["shared_expert_intermediate_size"], 176);
  CommandResult info = grpo_run(fmt::format("info '{}'", model.string()));
  ASSERT_EQ(info.exit_code, 0) << info.output;
  // Active: tiny's 738,432 body + 5,632 (routers, shared-expert gates, q/k/v biases) + 2 x 300 x 128.
  for (const char* part :
       {"8 experts of width 88, top 2 (softmax), a gated shared expert of width 176, 4 of 4 "
        "layers sparse",
        "active per token: 820,864", "the count config.json implies"}) {
    EXPECT_NE(info.output.find(part), std::string::npos) << part << "\n" << info.output;
  }
}

}  // namespace
}  // namespace grpo
