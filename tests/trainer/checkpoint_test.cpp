// Checkpoint writing: replacing a checkpoint of the same step is one atomic swap (a reader never finds the
// step missing), staging left by a crash is removed by the next save, and a checkpoint carries the prompt
// settings that `grpo eval` and `grpo sample` reuse.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <thread>

#include "core/files.h"
#include "model/model_dir.h"
#include "test_support.h"
#include "trainer/checkpoint.h"
#include "trainer/prompt_settings.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;

Transformer tiny_model() {
  ModelConfig config;
  config.vocab_size = 64;
  config.hidden_size = 16;
  config.intermediate_size = 32;
  config.num_hidden_layers = 1;
  config.num_attention_heads = 2;
  config.num_key_value_heads = 1;
  config.max_position_embeddings = 32;
  Transformer model(config);
  initialize_weights(*model, 1);
  return model;
}

TEST(Checkpoint, ReplacingTheSameStepNeverLeavesItMissing) {
  testing::TempDir dir;
  Transformer model = tiny_model();
  CheckpointContents contents;
  contents.policy = model.get();
  contents.trainer_state = {{"step", 1}};
  const fs::path step = save_checkpoint(dir.path(), 1, contents, 0);
  std::atomic<bool> done{false};
  std::atomic<int> missing{0}, looks{0};
  std::thread reader([&] {
    while (!done.load()) {
      if (!fs::exists(step / "trainer_state.json")) missing.fetch_add(1);
      looks.fetch_add(1);
    }
  });
  for (int i = 0; i < 30; ++i) save_checkpoint(dir.path(), 1, contents, 0);  // a resumed run redoing step 1
  done.store(true);
  reader.join();
  EXPECT_GT(looks.load(), 30);
  EXPECT_EQ(missing.load(), 0) << "the checkpoint was missing " << missing.load() << " of " << looks.load()
                               << " times a reader looked";
  EXPECT_NO_THROW(verify_checkpoint(step));
  EXPECT_EQ(remove_stale_staging(dir.path()), 0u) << "no staging or replaced directory left behind";
}

TEST(Checkpoint, StagingLeftByACrashIsRemovedByTheNextSave) {
  testing::TempDir dir;
  Transformer model = tiny_model();
  const fs::path folder = dir / "checkpoints";
  fs::create_directories(folder / ".step-00000007.partial" / "model");
  testing::write_text(folder / ".step-00000007.partial" / "model" / "model.safetensors", "half");
  fs::create_directories(folder / "step-00000003.replaced");
  CheckpointContents contents;
  contents.policy = model.get();
  contents.trainer_state = {{"step", 8}};
  save_checkpoint(dir.path(), 8, contents, 0);
  EXPECT_FALSE(fs::exists(folder / ".step-00000007.partial"));
  EXPECT_FALSE(fs::exists(folder / "step-00000003.replaced"));
  EXPECT_TRUE(fs::exists(folder / "step-00000008" / "manifest.json"));
}

TEST(Checkpoint, CarriesThePromptSettingsThatEvalAndSampleReuse) {
  testing::TempDir dir;
  Transformer model = tiny_model();
  PromptSettings trained;
  trained.prompt_template = builtin_template("plain");
  trained.prefill = "<think>";
  trained.stop_strings = {"</answer>", "\n\n"};
  CheckpointContents contents;
  contents.policy = model.get();
  contents.trainer_state = {{"step", 2}};
  contents.prompt_settings = trained.to_json();
  const fs::path checkpoint = save_checkpoint(dir.path(), 2, contents, 0);
  ASSERT_TRUE(fs::exists(checkpoint / "model" / kPromptSettingsFile));
  EXPECT_NO_THROW(verify_checkpoint(checkpoint)) << "prompt.json is in the manifest";

  const PromptRequest defaults{std::string("r1"), std::string(), std::vector<std::string>{"</answer>"}};
  for (const fs::path& given_path : {checkpoint, checkpoint / "model"}) {
    const ResolvedPrompt resolved = resolve_prompt_settings(given_path, {}, defaults);
    EXPECT_EQ(resolved.settings.prompt_template.name, "plain");
    EXPECT_EQ(resolved.settings.prompt_template.text, trained.prompt_template.text);
    EXPECT_EQ(resolved.settings.prefill, "<think>");
    EXPECT_EQ(resolved.settings.stop_strings, trained.stop_strings);
    EXPECT_NE(resolved.note.find("template plain"), std::string::npos) << resolved.note;
  }
  PromptRequest given;
  given.template_name = "r1";
  const ResolvedPrompt overridden = resolve_prompt_settings(checkpoint, given, defaults);
  EXPECT_EQ(overridden.settings.prompt_template.name, "r1");
  EXPECT_EQ(overridden.settings.prefill, "<think>");
  EXPECT_NE(overridden.note.find("overridden by --template"), std::string::npos) << overridden.note;

  const ResolvedPrompt plain_model = resolve_prompt_settings(dir / "no-such-model", {}, defaults);
  EXPECT_EQ(plain_model.settings.prompt_template.name, "r1");
  EXPECT_EQ(plain_model.note, "");
}

}  // namespace
}  // namespace grpo
