// `grpo train --lora-r` and `grpo export --merge-lora` as real subprocesses: training changes only the
// adapters (the checkpoint's merged weights differ from the base model in the targeted projections only),
// the checkpoint carries PEFT's adapter files, the export of that adapter equals the checkpoint's merged
// model, a LoRA run resumes from its adapter, and --dry-run prints the memory estimate without training.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <string>

#include "core/files.h"
#include "model/safetensors.h"
#include "test_support.h"
#include "trainer/checkpoint.h"
#include "trainer/grpo_executable_skip.h"
#include "trainer/trainer_fixture.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;

// Rewards from the token-id reward process (written next to `data`): varied, so the adapters move.
std::string train_command(const fs::path& model, const fs::path& data, const fs::path& run) {
  testing::write_token_reward(data.parent_path());
  return testing::grpo_executable().string() + " --threads 1 --seed 3 train --model '" + model.string() +
         "' --data '" + data.string() + "' --output-dir '" + run.string() +
         "' --eval-size 0 --template plain --stop '\n' -G 8 --questions-per-step 2 --max-completion-length 6 "
         "--lr 0.01 --reward \"" +
         testing::token_reward_spec(data.parent_path()) +
         "\" --beta 0.04 --lora-r 4 --lora-alpha 8 "
         "--lora-target-modules q_proj,v_proj --gradient-checkpointing";
}

bool targeted(const std::string& name) {
  return name.find("q_proj.weight") != std::string::npos || name.find("v_proj.weight") != std::string::npos;
}

TEST(LoraCommand, TrainingChangesOnlyTheAdaptersAndTheExportMatchesTheCheckpoint) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const auto model = testing::make_model_dir(dir), data = testing::make_data(dir);
  const auto train = testing::run_command(train_command(model, data, dir / "run") + " --max-steps 2");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  EXPECT_NE(train.output.find("LoRA r=4"), std::string::npos) << train.output;
  const auto checkpoint = latest_checkpoint(dir / "run");
  ASSERT_TRUE(checkpoint.has_value());

  // PEFT's files; the B matrices moved away from zero.
  ASSERT_TRUE(fs::exists(*checkpoint / "adapter" / "adapter_config.json"));
  const auto adapter = read_safetensors(*checkpoint / "adapter" / "adapter_model.safetensors").tensors;
  EXPECT_EQ(adapter.size(), 2u * 2 * 2);  // layers x {q, v} x {A, B}
  double b_size = 0;
  for (const auto& [name, tensor] : adapter) {
    EXPECT_EQ(name.rfind("base_model.model.model.layers.", 0), 0u) << name;
    if (name.find("lora_B") != std::string::npos) b_size += tensor.abs().sum().item<double>();
  }
  EXPECT_GT(b_size, 0) << "training did not move the adapters";

  // The merged weights: the base model's, except the targeted projections.
  const auto base = read_model_weights(model);
  const auto merged = read_model_weights(*checkpoint / "model");
  ASSERT_EQ(merged.size(), base.size());
  int changed = 0;
  for (const auto& [name, tensor] : base) {
    ASSERT_TRUE(merged.count(name)) << name;
    const bool equal = torch::equal(merged.at(name), tensor);
    if (targeted(name)) {
      changed += equal ? 0 : 1;
    } else {
      EXPECT_TRUE(equal) << name << " changed, but only the adapters train";
    }
  }
  EXPECT_GT(changed, 0);

  // grpo export --merge-lora of the checkpoint's adapter gives the checkpoint's merged model.
  const auto exported = testing::run_command(
      testing::grpo_executable().string() + " --quiet export --adapter '" +
      (*checkpoint / "adapter").string() + "' --merge-lora -o '" + (dir / "exported").string() + "'");
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  const auto export_weights = read_model_weights(dir / "exported");
  ASSERT_EQ(export_weights.size(), merged.size());
  for (const auto& [name, tensor] : merged) {
    EXPECT_LE((export_weights.at(name) - tensor).abs().max().item<double>(), 1e-6) << name;
  }
  EXPECT_TRUE(fs::exists(dir / "exported" / "tokenizer.model"));

  // A LoRA run resumes from its adapter.
  const auto resumed =
      testing::run_command(train_command(model, data, dir / "run") + " --max-steps 3 --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from"), std::string::npos) << resumed.output;
  const auto after =
      read_safetensors(*latest_checkpoint(dir / "run") / "adapter" / "adapter_model.safetensors");
  EXPECT_EQ(after.tensors.size(), adapter.size());
}

TEST(LoraCommand, DryRunPrintsTheMemoryEstimateAndTrainsNothing) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const auto model = testing::make_model_dir(dir), data = testing::make_data(dir);
  const auto plain = testing::run_command(train_command(model, data, dir / "run") + " --dry-run");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  for (const char* part : {"weights", "LoRA adapters", "AdamW moments", "KV cache",
                           "activations (gradient checkpointing)", "logits chunk", "estimated peak"}) {
    EXPECT_NE(plain.output.find(part), std::string::npos) << part << "\n" << plain.output;
  }
  EXPECT_FALSE(fs::exists(dir / "run" / "metrics.jsonl")) << "a dry run must not train";
  const auto bad =
      testing::run_command(train_command(model, data, dir / "run") + " --lora-target-modules qkv");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("unknown module 'qkv'"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace grpo
