// The GRPO trainer end to end on a tiny model with a real tokenizer trained here: parameters change after a
// step (and do not when every completion is truncated and masked), exact resume, a damaged checkpoint is
// refused, and the mean reward rises on an easy reward within a few dozen steps.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "core/error.h"
#include "model/model_dir.h"
#include "rewards/reward_registry.h"
#include "test_support.h"
#include "tokenizer/train_sentencepiece.h"
#include "trainer/checkpoint.h"
#include "trainer/grpo_trainer.h"
#include "trainer/trainer_fixture.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using testing::base_config;
using testing::make_data;
using testing::make_model_dir;

std::map<std::string, torch::Tensor> snapshot(TransformerImpl& model) {
  std::map<std::string, torch::Tensor> values;
  for (const auto& item : model.named_parameters()) values[item.key()] = item.value().detach().clone();
  return values;
}

TEST(GrpoTrainer, ParametersChangeAfterAStepButNotWhenEverythingIsMaskedOut) {
  testing::TempDir dir;
  auto model = make_model_dir(dir);
  auto data = make_data(dir);
  torch::set_num_threads(1);
  {
    auto config = base_config(model, data, dir / "run-a");
    config.max_steps = 1;
    GrpoTrainer trainer(config, "");
    auto before = snapshot(trainer.policy());
    trainer.train();
    auto after = snapshot(trainer.policy());
    int changed = 0;
    for (const auto& [name, value] : before) changed += !torch::equal(value, after[name]);
    EXPECT_GT(changed, 10);
    EXPECT_TRUE(trainer.last_metrics().contains("reward"));
    EXPECT_TRUE(fs::exists(dir / "run-a" / "metrics.jsonl"));
    EXPECT_TRUE(latest_checkpoint(dir / "run-a").has_value());
  }
  {
    auto config = base_config(model, data, dir / "run-b");
    config.max_steps = 1;
    config.stop_strings = {};
    config.mask_truncated_completions = true;
    config.max_completion_length = 1;  // every completion is cut by the limit (unless its one token is eos)
    GrpoTrainer trainer(config, "");
    auto before = snapshot(trainer.policy());
    trainer.train();
    if (trainer.last_metrics()["completions/clipped_ratio"].get<double>() == 1.0) {
      auto after = snapshot(trainer.policy());
      for (const auto& [name, value] : before) EXPECT_TRUE(torch::equal(value, after[name])) << name;
    } else {
      ADD_FAILURE()
          << "a completion ended before the 1-token limit: the masking check needs every one truncated";
    }
  }
}

TEST(GrpoTrainer, ResumeContinuesExactly) {
  testing::TempDir dir;
  auto model = make_model_dir(dir);
  auto data = make_data(dir);
  torch::set_num_threads(1);
  auto straight_config = base_config(model, data, dir / "straight");
  straight_config.max_steps = 4;
  GrpoTrainer straight(straight_config, "");
  straight.train();
  auto straight_weights = snapshot(straight.policy());

  auto split_config = base_config(model, data, dir / "split");
  split_config.max_steps = 2;
  {
    GrpoTrainer first_half(split_config, "");
    first_half.train();
  }
  split_config.max_steps = 4;
  split_config.resume = "latest";
  GrpoTrainer second_half(split_config, "");
  EXPECT_EQ(second_half.step(), 2);
  second_half.train();
  for (const auto& [name, value] : snapshot(second_half.policy())) {
    EXPECT_TRUE(torch::equal(value, straight_weights[name])) << name;
  }
  for (const char* key : {"reward", "loss", "grad_norm", "completions/mean_length"}) {
    EXPECT_EQ(second_half.last_metrics()[key], straight.last_metrics()[key]) << key;
  }
}

TEST(GrpoTrainer, TruncatedCheckpointIsRefused) {
  testing::TempDir dir;
  auto model = make_model_dir(dir);
  auto data = make_data(dir);
  auto config = base_config(model, data, dir / "run");
  config.max_steps = 1;
  {
    GrpoTrainer trainer(config, "");
    trainer.train();
  }
  auto checkpoint = latest_checkpoint(dir / "run");
  ASSERT_TRUE(checkpoint.has_value());
  EXPECT_NO_THROW(verify_checkpoint(*checkpoint));
  fs::path weights = *checkpoint / "model" / "model.safetensors";
  fs::resize_file(weights, fs::file_size(weights) / 2);
  try {
    verify_checkpoint(*checkpoint);
    ADD_FAILURE() << "a truncated checkpoint was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
  }
  config.resume = "latest";
  config.max_steps = 2;
  EXPECT_THROW(GrpoTrainer(config, ""), Error);
}

TEST(GrpoTrainer, MeanRewardRisesOnAnEasyReward) {
  testing::TempDir dir;
  auto model = make_model_dir(dir);
  auto data = make_data(dir);
  torch::set_num_threads(1);  // ctest runs two tests at once on two cores
  auto config = base_config(model, data, dir / "run");
  config.max_steps = 30;
  config.max_completion_length = 2;
  config.learning_rate = 1e-2;
  GrpoTrainer trainer(config, "");
  trainer.train();
  std::ifstream metrics(dir / "run" / "metrics.jsonl");
  std::vector<double> rewards;
  for (std::string line; std::getline(metrics, line);)
    rewards.push_back(nlohmann::json::parse(line)["reward"]);
  ASSERT_EQ(rewards.size(), 30u);
  double first = (rewards[0] + rewards[1] + rewards[2] + rewards[3] + rewards[4]) / 5;
  double last = (rewards[25] + rewards[26] + rewards[27] + rewards[28] + rewards[29]) / 5;
  EXPECT_LT(first, 0.4);
  EXPECT_GT(last, first + 0.3) << "reward went from " << first << " to " << last;
}

}  // namespace
}  // namespace grpo
