// `grpo sft` as a real subprocess on a generated tiny model: it writes metrics, an eval loss and checkpoints;
// a run resumed from its step-2 checkpoint ends bit-identical to the uninterrupted one; `grpo report` reads
// the run; a bad row stops it with the file and line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/files.h"
#include "logs/json_lines.h"
#include "test_support.h"
#include "trainer/grpo_executable_skip.h"
#include "trainer/trainer_fixture.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;

fs::path make_sft_rows(const testing::TempDir& dir) {
  const char* colours[] = {"red", "blue", "green"};
  fs::path data = dir / "sft.jsonl";
  std::ofstream out(data);
  for (int i = 0; i < 30; ++i) {
    out << "{\"prompt\": \"the stack is " << colours[i % 3] << " " << colours[(i + 1) % 3]
        << " . swap them\", \"completion\": \"" << colours[(i + 1) % 3] << " " << colours[i % 3]
        << (i % 2 ? " top" : "") << "\"}\n";
  }
  return data;
}

std::string sft_command(const fs::path& model, const fs::path& data, const fs::path& run,
                        const std::string& extra) {
  return testing::grpo_executable().string() + " --threads 1 --seed 3 sft --model " + model.string() +
         " --data " + data.string() + " --output-dir " + run.string() +
         " --template plain --max-steps 4 --save-steps 2 --batch-size 4 --lr 3e-3 --eval-fraction 0.2 "
         "--max-length 48 --packing --logging-steps 1 " +
         extra + " 2>&1";
}

TEST(SftCommand, WritesARunThatResumesBitIdentically) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const fs::path model = testing::make_model_dir(dir);
  const fs::path data = make_sft_rows(dir);
  const fs::path straight = dir / "straight";
  auto first = testing::run_command(sft_command(model, data, straight, ""));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("held out"), std::string::npos) << first.output;

  // metrics.jsonl: one line per step with the loss; the eval loss at the end.
  const std::vector<nlohmann::json> lines = testing::read_jsonl(straight / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 4u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["step"], static_cast<int>(i + 1));
    EXPECT_TRUE(lines[i]["loss"].is_number());
    EXPECT_GT(lines[i]["tokens_trained"].get<int>(), 0);
  }
  EXPECT_TRUE(lines.back()["eval_loss"].is_number()) << lines.back().dump();
  EXPECT_LT(lines.back()["loss"].get<double>(), lines.front()["loss"].get<double>());
  ASSERT_TRUE(fs::exists(straight / "checkpoints/step-00000004/model/prompt.json"));

  // The same run resumed from its step-2 checkpoint (a copy of the directory).
  const fs::path resumed = dir / "resumed";
  fs::copy(straight, resumed, fs::copy_options::recursive);
  auto second = testing::run_command(
      sft_command(model, data, resumed, "--resume " + (resumed / "checkpoints/step-00000002").string()));
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("resumed from"), std::string::npos) << second.output;
  const std::string weights = "checkpoints/step-00000004/model/model.safetensors";
  EXPECT_EQ(read_file(straight / weights), read_file(resumed / weights))
      << "the resumed run ends bit-identical";

  auto report = testing::run_command(testing::grpo_executable().string() + " report " + straight.string() +
                                     " -o " + (dir / "report.html").string() + " 2>&1");
  EXPECT_EQ(report.exit_code, 0) << report.output;
  EXPECT_TRUE(fs::exists(dir / "report.html")) << report.output;
}

// --bf16 on the CPU: the same run's losses stay within bf16's rounding of float32's, the loss still falls,
// and the run's config.toml and its console say what ran.
TEST(SftCommand, Bf16RunFollowsTheFloat32RunAndIsRecorded) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const fs::path model = testing::make_model_dir(dir);
  const fs::path data = make_sft_rows(dir);
  auto plain = testing::run_command(sft_command(model, data, dir / "fp32", "--bf16 false"));
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  auto bf16 = testing::run_command(sft_command(model, data, dir / "bf16", "--bf16"));
  ASSERT_EQ(bf16.exit_code, 0) << bf16.output;
  EXPECT_NE(bf16.output.find("bf16 mixed precision"), std::string::npos) << bf16.output;
  EXPECT_EQ(plain.output.find("bf16 mixed precision"), std::string::npos) << plain.output;
  EXPECT_NE(read_file(dir / "bf16/config.toml").find("\nbf16 = true\n"), std::string::npos)
      << read_file(dir / "bf16/config.toml");

  const auto expected = testing::read_jsonl(dir / "fp32" / "metrics.jsonl");
  const auto actual = testing::read_jsonl(dir / "bf16" / "metrics.jsonl");
  ASSERT_EQ(expected.size(), 4u);
  ASSERT_EQ(actual.size(), 4u);
  for (size_t i = 0; i < actual.size(); ++i) {
    const double want = expected[i]["loss"].get<double>(), got = actual[i]["loss"].get<double>();
    EXPECT_NEAR(got, want, 0.03 * want) << "step " << i + 1;
  }
  EXPECT_LT(actual.back()["loss"].get<double>(), actual.front()["loss"].get<double>());
}

TEST(SftCommand, ABadRowStopsWithTheFileAndLine) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const fs::path model = testing::make_model_dir(dir);
  const fs::path data = dir / "bad.jsonl";
  testing::write_text(
      data, "{\"prompt\": \"swap\", \"completion\": \"red\"}\n{\"prompt\": 3, \"completion\": \"x\"}\n");
  auto result = testing::run_command(sft_command(model, data, dir / "run", ""));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find(data.string() + ":2: \"prompt\" must be a string"), std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace grpo
