// `grpo distill` as a real subprocess on generated tiny models (a teacher of another width, the same
// tokenizer): token level, mixing on-policy and off-policy steps, writes its run and a run resumed from its
// step-2 checkpoint ends bit-identical; sequence level writes the teacher's traces, then fine-tunes on them;
// a teacher with another vocabulary is refused before any step.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/files.h"
#include "test_support.h"
#include "trainer/grpo_executable_skip.h"
#include "trainer/tiny_model.h"
#include "trainer/trainer_fixture.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;

fs::path make_rows(const testing::TempDir& dir) {
  const char* colours[] = {"red", "blue", "green"};
  fs::path data = dir / "traces.jsonl";
  std::ofstream out(data);
  for (int i = 0; i < 16; ++i) {
    out << "{\"prompt\": \"the stack is " << colours[i % 3] << " " << colours[(i + 1) % 3]
        << " . swap them\", \"completion\": \"" << colours[(i + 1) % 3] << " " << colours[i % 3] << "\"}\n";
  }
  return data;
}

fs::path make_teacher(const testing::TempDir& dir) {
  testing::TinyModelOptions teacher;
  teacher.name = "teacher";
  teacher.hidden_size = 48;
  teacher.seed = 11;
  return testing::make_tiny_model_dir(dir, teacher);
}

std::string distill_command(const fs::path& teacher, const fs::path& student, const fs::path& data,
                            const fs::path& run, const std::string& extra, int steps = 4,
                            const std::string& learning_rate = "3e-3") {
  return testing::grpo_executable().string() + " --threads 1 --seed 5 distill --teacher " + teacher.string() +
         " --student " + student.string() + " --data " + data.string() + " --output-dir " + run.string() +
         " --template plain --stop . --max-new-tokens 6 --max-steps " + std::to_string(steps) +
         " --save-steps 2 --batch-size 4 --lr " + learning_rate + " --max-length 48 --logging-steps 1 " +
         extra + " 2>&1";
}

TEST(DistillCommand, TokenLevelMixesOnPolicyStepsAndResumesBitIdentically) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const fs::path student = testing::make_model_dir(dir);
  const fs::path teacher = make_teacher(dir);
  const fs::path data = make_rows(dir);
  const fs::path straight = dir / "straight";
  auto first =
      testing::run_command(distill_command(teacher, student, data, straight, "--lmbda 0.5 --beta 0.5"));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("loss generalised JSD (beta 0.5)"), std::string::npos) << first.output;

  const auto lines = testing::read_jsonl(straight / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 4u);
  std::set<int> kinds;
  for (const auto& line : lines) {
    EXPECT_TRUE(line["loss"].is_number()) << line.dump();
    EXPECT_GE(line["loss"].get<double>(), 0.0) << "a divergence is never negative";
    EXPECT_GT(line["tokens_trained"].get<int>(), 0);
    kinds.insert(line["on_policy"].get<int>());
    if (line["on_policy"] == 1) {
      EXPECT_TRUE(line.contains("completions/mean_length")) << line.dump();
    }
  }
  EXPECT_EQ(kinds, (std::set<int>{0, 1})) << "--lmbda 0.5 with this seed mixes both kinds of step";
  ASSERT_TRUE(fs::exists(straight / "checkpoints/step-00000004/trainer_state.json"));
  EXPECT_NE(read_file(straight / "checkpoints/step-00000004/trainer_state.json").find("\"distill\""),
            std::string::npos);

  const fs::path resumed = dir / "resumed";
  fs::copy(straight, resumed, fs::copy_options::recursive);
  auto second = testing::run_command(
      distill_command(teacher, student, data, resumed,
                      "--lmbda 0.5 --beta 0.5 --resume " + (resumed / "checkpoints/step-00000002").string()));
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("resumed from"), std::string::npos) << second.output;
  const std::string weights = "checkpoints/step-00000004/model/model.safetensors";
  EXPECT_EQ(read_file(straight / weights), read_file(resumed / weights))
      << "the resumed run ends bit-identical";
}

TEST(DistillCommand, ForwardKlTeachesTheStudentTheTeachersDistribution) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const fs::path student = testing::make_model_dir(dir);
  const fs::path teacher = make_teacher(dir);
  const fs::path data = make_rows(dir);
  auto result = testing::run_command(
      distill_command(teacher, student, data, dir / "run", "--lmbda 0 --beta 0", 12, "1e-2"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto lines = testing::read_jsonl(dir / "run" / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 12u);
  for (const auto& line : lines) EXPECT_EQ(line["on_policy"], 0);
  EXPECT_LT(lines.back()["loss"].get<double>(), 0.8 * lines.front()["loss"].get<double>())
      << "the forward KL to the teacher falls";
}

TEST(DistillCommand, SequenceLevelFineTunesOnTheTeachersKeptAnswers) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const fs::path student = testing::make_model_dir(dir);
  const fs::path teacher = make_teacher(dir);
  const fs::path questions = testing::make_data(dir);
  // The format reward with --min-score 0 keeps every answer: the test is about the plumbing.
  const std::string extra = "--mode sequence --n 6 -k 2 --reward format --min-score 0 --eval-fraction 0";
  auto result = testing::run_command(distill_command(teacher, student, questions, dir / "run", extra));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const fs::path traces = dir / "run/teacher-traces.jsonl";
  ASSERT_TRUE(fs::exists(traces)) << result.output;
  int rows = 0;
  std::ifstream in(traces);
  for (std::string line; std::getline(in, line);) ++rows;
  EXPECT_GT(rows, 0);
  EXPECT_LE(rows, 12);
  EXPECT_EQ(testing::read_jsonl(dir / "run" / "metrics.jsonl").size(), 4u);
  EXPECT_NE(read_file(dir / "run/checkpoints/step-00000004/trainer_state.json").find("\"sft\""),
            std::string::npos);

  // Resumed after the end: the questions are all done, the fine-tuning is at its last step.
  auto again =
      testing::run_command(distill_command(teacher, student, questions, dir / "run", extra + " --resume"));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(testing::read_jsonl(dir / "run" / "metrics.jsonl").size(), 4u) << again.output;
}

TEST(DistillCommand, AnotherVocabularyIsRefusedForTokenLevel) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const fs::path student = testing::make_model_dir(dir);
  testing::TinyModelOptions other;
  other.name = "other";
  other.vocab_size = 290;
  const fs::path teacher = testing::make_tiny_model_dir(dir, other);
  auto result = testing::run_command(distill_command(teacher, student, make_rows(dir), dir / "run", ""));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("has a vocabulary of 290 tokens"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("use --mode sequence instead"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(dir / "run/metrics.jsonl")) << "refused before any step";
}

}  // namespace
}  // namespace grpo
