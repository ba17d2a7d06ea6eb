// The training loop's contract around the step: options that would train nothing are refused; reward_std is
// TRL's quantity; dynamic sampling refills the groups that teach nothing; prompts are cut to
// max_prompt_length; a run directory is not silently reused; a resume keeps the configuration history,
// refuses changed options unless overridden, and can start from an earlier checkpoint; a stop request
// abandons the step and saves.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <csignal>
#include <fstream>

#include "core/error.h"
#include "core/files.h"
#include "error_message.h"
#include "logs/run_reader.h"
#include "rewards/reward_registry.h"
#include "test_support.h"
#include "trainer/advantages.h"
#include "trainer/checkpoint.h"
#include "trainer/grpo_trainer.h"
#include "trainer/trainer_fixture.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using testing::base_config;
using testing::make_data;
using testing::make_model_dir;

// Questions marked "uniform" get 1 for every completion (a group that teaches nothing); the others the parity
// of the first token, which splits almost every group of 8.
class UniformOrParity : public RewardFunction {
 public:
  std::string name() const override { return "uniform_or_parity"; }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override {
    std::vector<RewardResult> results;
    for (const auto& input : batch) {
      const bool uniform = input.row.value("question", "").find("uniform") != std::string::npos;
      const double parity =
          input.completion_ids.empty() ? 0.0 : static_cast<double>(input.completion_ids[0] % 2);
      results.push_back({uniform ? 1.0 : parity, ""});
    }
    return results;
  }
};

void register_test_rewards() {
  static const bool registered = [] {
    register_reward("uniform_or_parity", [](const std::string&, const RewardOptions&) {
      return std::make_unique<UniformOrParity>();
    });
    return true;
  }();
  (void)registered;
}

std::map<std::string, torch::Tensor> snapshot(TransformerImpl& model) {
  std::map<std::string, torch::Tensor> values;
  for (const auto& item : model.named_parameters()) values[item.key()] = item.value().detach().clone();
  return values;
}

TEST(TrainerConfig, RefusesGroupsOfOneWithAnyScalingAndNonPositiveTemperature) {
  TrainerConfig config;
  config.model = "m";
  config.num_generations = 1;
  config.scale_rewards = "none";
  testing::expect_mentions(testing::error_of([&] { config.validate(); }), {"num_generations = 1", "-G 2"});
  config.num_generations = 8;
  for (double temperature : {0.0, -0.5}) {
    config.temperature = temperature;
    testing::expect_mentions(testing::error_of([&] { config.validate(); }), {"temperature must be > 0"});
  }
  config.temperature = 0.7;
  EXPECT_NO_THROW(config.validate());
}

TEST(Advantages, RewardStdIsTheMeanOfTheGroupStdsAndTheBatchStdIsReportedApart) {
  // Groups [1, 0, 1, 0] (std sqrt(1/3)) and [1, 1, 1, 1] (std 0); all eight: mean 0.75, std sqrt(1.5 / 7).
  const auto advantages = compute_advantages({1, 0, 1, 0, 1, 1, 1, 1}, 4, AdvantageScaling::kGroup);
  EXPECT_NEAR(advantages.mean_group_std, std::sqrt(1.0 / 3.0) / 2, 1e-12);
  EXPECT_NEAR(advantages.batch_std, std::sqrt(1.5 / 7.0), 1e-12);
}

TEST(GrpoTrainer, StepMetricsReportTrlRewardStdFromTheLoggedGroups) {
  testing::TempDir dir;
  auto config = base_config(make_model_dir(dir), make_data(dir), dir / "run");
  config.max_steps = 1;
  config.log_completions = 0;
  GrpoTrainer trainer(config, "");
  trainer.train();
  const auto run = logs::read_run(dir / "run");
  ASSERT_EQ(run.rollout_files.size(), 1u);
  std::vector<std::string> warnings;
  const auto records = logs::read_rollout_file(run.rollout_files[0], warnings);
  ASSERT_EQ(records.size(), 32u);
  std::map<int, std::vector<double>> groups;
  std::vector<double> all;
  for (const auto& record : records) {
    groups[record.group].push_back(record.reward);
    all.push_back(record.reward);
  }
  double std_sum = 0;
  for (const auto& [group, rewards] : groups) std_sum += sample_std_of(rewards);
  EXPECT_NEAR(trainer.last_metrics()["reward_std"].get<double>(), std_sum / 4, 1e-12);
  EXPECT_NEAR(trainer.last_metrics()["reward_batch_std"].get<double>(), sample_std_of(all), 1e-12);
}

TEST(GrpoTrainer, DynamicSamplingReplacesGroupsThatTeachNothing) {
  register_test_rewards();
  testing::TempDir dir;
  const auto model = make_model_dir(dir);
  const fs::path data = dir / "half_uniform.jsonl";
  {
    std::ofstream out(data);
    for (int i = 0; i < 64; ++i) {
      out << "{\"question\": \"put the " << (i % 2 == 0 ? "uniform" : "red") << " box on top " << i
          << "\", \"answer\": \"" << i << "\"}\n";
    }
  }
  auto questions_of_step_one = [&](bool dynamic) {
    auto config = base_config(model, data, dir / (dynamic ? "dynamic" : "plain"));
    config.rewards = {"uniform_or_parity"};
    config.max_steps = 1;
    config.dynamic_sampling = dynamic;
    config.max_resample_rounds = 4;
    GrpoTrainer trainer(config, "");
    trainer.train();
    std::vector<std::string> warnings;
    std::set<std::string> questions;
    for (const auto& record :
         logs::read_rollout_file(logs::read_run(config.output_dir).rollout_files.at(0), warnings)) {
      questions.insert(record.question);
    }
    return std::make_pair(questions, trainer.last_metrics()["frac_reward_zero_std"].get<double>());
  };
  const auto [plain, plain_frac] = questions_of_step_one(false);
  const auto [dynamic, dynamic_frac] = questions_of_step_one(true);
  ASSERT_EQ(plain.size(), 4u);
  const auto uniform =
      std::count_if(plain.begin(), plain.end(), [](auto& q) { return q.find("uniform") != q.npos; });
  ASSERT_GT(uniform, 0) << "the shuffled data's first batch has no uniform question: the test needs one";
  EXPECT_DOUBLE_EQ(plain_frac, static_cast<double>(uniform) / 4);
  EXPECT_DOUBLE_EQ(dynamic_frac, plain_frac) << "frac_reward_zero_std is measured before the refill";
  ASSERT_EQ(dynamic.size(), 4u) << "dynamic sampling refills to questions_per_step";
  for (const auto& question : dynamic) EXPECT_EQ(question.find("uniform"), std::string::npos) << question;
}

TEST(GrpoTrainer, LongPromptsAreCutFromTheLeftAndPromptsWithNoRoomAreRefused) {
  testing::TempDir dir;
  const auto model = make_model_dir(dir);
  auto config = base_config(model, make_data(dir), dir / "cut");
  config.max_steps = 1;
  config.max_prompt_length = 4;  // every prompt of the data is longer
  {
    GrpoTrainer trainer(config, "");
    trainer.train();
  }
  EXPECT_EQ(read_trainer_state(*latest_checkpoint(dir / "cut")).at("prompts_cut").get<int64_t>(), 4);

  const fs::path long_data = dir / "long.jsonl";
  {
    std::ofstream out(long_data);
    std::string question;
    for (int i = 0; i < 300; ++i) question += "red blue ";
    for (int i = 0; i < 8; ++i) out << "{\"question\": \"" << question << "\", \"answer\": \"1\"}\n";
  }
  auto long_config = base_config(model, long_data, dir / "long");
  long_config.max_steps = 1;
  long_config.max_prompt_length = 0;  // no limit: the prompt fills the model's context of 128
  testing::expect_mentions(testing::error_of([&] { GrpoTrainer(long_config, "").train(); }),
                           {"no room for a completion", "--max-prompt-length"});
  long_config.max_prompt_length = 64;
  long_config.output_dir = (dir / "long-cut").string();
  EXPECT_NO_THROW(GrpoTrainer(long_config, "").train());
}

TEST(GrpoTrainer, ARunDirectoryIsNotReusedWithoutResumeOrOverwrite) {
  testing::TempDir dir;
  auto config = base_config(make_model_dir(dir), make_data(dir), dir / "run");
  config.max_steps = 1;
  GrpoTrainer(config, "").train();
  testing::expect_mentions(testing::error_of([&] { GrpoTrainer(config, ""); }),
                           {"already holds", "--resume", "--overwrite"});
  config.overwrite = true;
  config.max_steps = 2;
  GrpoTrainer(config, "").train();
  const auto run = logs::read_run(dir / "run");
  ASSERT_EQ(run.metrics.size(), 2u);
  EXPECT_EQ(run.metrics[0]["step"], 1);
  EXPECT_FALSE(fs::exists(dir / "run" / "checkpoints" / "step-00000001"))
      << "the old run's checkpoint is gone";
}

TEST(GrpoTrainer, ResumeKeepsTheConfigHistoryAndRefusesChangedTrainingOptionsUnlessOverridden) {
  testing::TempDir dir;
  auto config = base_config(make_model_dir(dir), make_data(dir), dir / "run");
  config.max_steps = 1;
  const std::string first = "seed=5\n[train]\nlr=0.003\nmax-steps=1\n";
  GrpoTrainer(config, first).train();
  config.resume = "latest";
  config.max_steps = 2;
  const std::string changed = "seed=5\n[train]\nlr=0.01\nmax-steps=2\nresume=\"\"\n";
  testing::expect_mentions(testing::error_of([&] { GrpoTrainer(config, changed); }),
                           {"lr: 0.003 -> 0.01", "--override"});
  EXPECT_EQ(read_file(dir / "run" / "config.toml"), first) << "a refused resume leaves config.toml alone";

  const std::string longer = "seed=5\n[train]\nlr=0.003\nmax-steps=2\nresume=\"\"\n";  // max_steps may change
  GrpoTrainer(config, longer).train();
  EXPECT_EQ(read_file(dir / "run" / "config.toml"), longer);
  EXPECT_EQ(read_file(dir / "run" / "config-history" / "before-step-00000001.toml"), first);

  config.max_steps = 3;
  config.override_options = true;
  GrpoTrainer(config, changed).train();
  EXPECT_EQ(read_file(dir / "run" / "config.toml"), changed);
  EXPECT_EQ(read_file(dir / "run" / "config-history" / "before-step-00000002.toml"), longer);
}

TEST(GrpoTrainer, ResumeFromAGivenEarlierCheckpointWhenTheNewestIsDamaged) {
  testing::TempDir dir;
  torch::set_num_threads(1);
  auto config = base_config(make_model_dir(dir), make_data(dir), dir / "run");
  config.max_steps = 3;
  config.save_steps = 1;
  std::map<std::string, torch::Tensor> straight;
  {
    GrpoTrainer trainer(config, "");
    trainer.train();
    straight = snapshot(trainer.policy());
  }
  const fs::path checkpoints = dir / "run" / "checkpoints";
  fs::resize_file(checkpoints / "step-00000003" / "optimizer.pt", 10);
  config.resume = "latest";
  testing::expect_mentions(testing::error_of([&] { GrpoTrainer(config, ""); }), {"step-00000003", "damaged"});

  config.resume = (checkpoints / "step-00000002").string();
  GrpoTrainer resumed(config, "");
  EXPECT_EQ(resumed.step(), 2);
  EXPECT_TRUE(fs::exists(checkpoints / "set-aside" / "step-00000003")) << "the newer checkpoint is set aside";
  resumed.train();
  for (const auto& [name, value] : snapshot(resumed.policy()))
    EXPECT_TRUE(torch::equal(value, straight[name])) << name;
  EXPECT_NO_THROW(verify_checkpoint(checkpoints / "step-00000003"));
}

TEST(GrpoTrainer, AStopRequestBeforeTheUpdateAbandonsTheStepAndSaves) {
  testing::TempDir dir;
  torch::set_num_threads(1);
  auto config = base_config(make_model_dir(dir), make_data(dir), dir / "straight");
  config.max_steps = 1;
  GrpoTrainer straight(config, "");
  const auto initial = snapshot(straight.policy());
  straight.train();
  const auto after_one_step = snapshot(straight.policy());

  // The stop arrives while the first step's completions are being scored: a reward that requests it.
  register_reward("stops_the_run", [](const std::string&, const RewardOptions&) {
    struct Stopper : RewardFunction {
      std::string name() const override { return "stops_the_run"; }
      std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override {
        request_stop(SIGTERM);
        return std::vector<RewardResult>(batch.size(), RewardResult{0.0, ""});
      }
    };
    return std::make_unique<Stopper>();
  });
  auto stopping = config;
  stopping.rewards = {"stops_the_run"};
  stopping.output_dir = (dir / "stopped").string();
  stopping.max_steps = 5;
  GrpoTrainer stopped(stopping, "");
  stopped.train();
  EXPECT_EQ(stop_signal(), SIGTERM);
  EXPECT_EQ(stopped.step(), 0) << "the step was abandoned before its update";
  for (const auto& [name, value] : snapshot(stopped.policy()))
    EXPECT_TRUE(torch::equal(value, initial.at(name))) << name;
  ASSERT_TRUE(latest_checkpoint(dir / "stopped").has_value()) << "a stop saves a checkpoint";
  EXPECT_TRUE(logs::read_run(dir / "stopped").metrics.empty());

  // Resumed with the ordinary reward, the abandoned step's questions are asked again: the same first step.
  auto resumed_config = config;
  resumed_config.output_dir = stopping.output_dir;
  resumed_config.resume = "latest";
  GrpoTrainer resumed(resumed_config, "");
  resumed.train();
  for (const auto& [name, value] : snapshot(resumed.policy())) {
    EXPECT_TRUE(torch::equal(value, after_one_step.at(name))) << name;
  }
}

}  // namespace
}  // namespace grpo
