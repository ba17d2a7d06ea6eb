// `grpo pipeline run` as a real subprocess: two sft stages on a generated tiny model, the second starting
// from the first's output; killed (SIGTERM) in its second stage, the pipeline run again does not run the
// first stage again and resumes the second from its checkpoint, then writes one report. Bad pipeline files
// (an unknown stage, a model no earlier stage writes, a cycle) stop with one error before anything runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/files.h"
#include "test_support.h"
#include "trainer/grpo_executable_skip.h"
#include "trainer/trainer_fixture.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;

fs::path make_rows(const testing::TempDir& dir) {
  const char* colours[] = {"red", "blue", "green"};
  fs::path data = dir / "rows.jsonl";
  std::ofstream out(data);
  for (int i = 0; i < 24; ++i)
    out << "{\"prompt\": \"the stack is " << colours[i % 3] << " . swap\", \"completion\": \""
        << colours[(i + 1) % 3] << "\"}\n";
  return data;
}

std::string sft_stage(const std::string& name, const std::string& model, const fs::path& data, int steps) {
  return "[[stage]]\nname = \"" + name + "\"\nrun = \"sft\"\nmodel = \"" + model + "\"\ndata = \"" +
         data.string() +
         "\"\ntemplate = \"plain\"\nbatch-size = 2\nmax-length = 32\neval-fraction = 0\nlogging-steps = 0\n"
         "save-steps = 3\nlearning-rate = 1e-3\nmax-steps = " +
         std::to_string(steps) + "\n\n";
}

std::string pipeline_command(const fs::path& file) {
  return testing::grpo_executable().string() + " pipeline run " + file.string() + " 2>&1";
}

size_t lines_of(const fs::path& path) {
  std::ifstream in(path);
  size_t count = 0;
  for (std::string line; std::getline(in, line);) ++count;
  return count;
}

TEST(PipelineCommand, KilledInItsSecondStageResumesThere) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const fs::path model = testing::make_model_dir(dir);
  const fs::path data = make_rows(dir);
  const fs::path out = dir / "out";
  const fs::path file = dir / "p.toml";
  testing::write_text(file, "[pipeline]\noutput_dir = \"" + out.string() + "\"\nthreads = 1\n\n" +
                                sft_stage("first", model.string(), data, 2) +
                                sft_stage("second", "@first", data, 60));
  // In the background; SIGTERM to the pipeline once the second stage has written its first checkpoint.
  const std::string script = "(" + testing::grpo_executable().string() + " pipeline run " + file.string() +
                             " > " + (dir / "first.log").string() + " 2>&1 & pid=$!; " + "while [ ! -e " +
                             (out / "second/checkpoints/step-00000003").string() +
                             " ]; do sleep 0.02; kill -0 $pid 2>/dev/null || break; done; " +
                             "kill -TERM $pid; wait $pid; echo exit=$?)";
  auto killed = testing::run_command(script);
  const std::string first_log = read_file(dir / "first.log");
  ASSERT_NE(killed.output.find("exit=143"), std::string::npos) << killed.output << first_log;
  EXPECT_NE(first_log.find("stopped in stage second"), std::string::npos) << first_log;
  const size_t first_steps = lines_of(out / "first/metrics.jsonl");
  ASSERT_EQ(first_steps, 2u);
  const size_t second_steps = lines_of(out / "second/metrics.jsonl");
  ASSERT_LT(second_steps, 60u) << "the second stage was stopped before its end";
  const std::string first_weights =
      read_file(out / "first/checkpoints/step-00000002/model/model.safetensors");

  auto resumed = testing::run_command(pipeline_command(file));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("stage first (sft) finished earlier; not run again"), std::string::npos)
      << resumed.output;
  EXPECT_NE(resumed.output.find("second (sft), resumed"), std::string::npos) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from"), std::string::npos) << resumed.output;
  EXPECT_EQ(lines_of(out / "first/metrics.jsonl"), 2u) << "the first stage did not run again";
  EXPECT_EQ(read_file(out / "first/checkpoints/step-00000002/model/model.safetensors"), first_weights);
  EXPECT_EQ(lines_of(out / "second/metrics.jsonl"), 60u) << "the second stage ended at its last step";
  const std::string state = read_file(out / "pipeline-state.json");
  EXPECT_EQ(state.find("\"running\""), std::string::npos) << state;
  const std::string report = read_file(out / "report.html");
  EXPECT_NE(report.find("first (sft): finished"), std::string::npos);
  EXPECT_NE(report.find("second (sft): finished"), std::string::npos);
  EXPECT_NE(report.find("second/report.html"), std::string::npos);
  EXPECT_TRUE(fs::exists(out / "second/report.html"));

  // Once finished, running it again runs nothing.
  auto again = testing::run_command(pipeline_command(file));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("stage second (sft) finished earlier"), std::string::npos) << again.output;
  EXPECT_EQ(lines_of(out / "second/metrics.jsonl"), 60u);
}

struct BadFile {
  std::string stages;
  std::string message;
};

TEST(PipelineCommand, BadFilesStopWithOneErrorBeforeAnythingRuns) {
  SKIP_WITHOUT_GRPO();
  testing::TempDir dir;
  const std::string head = "[pipeline]\noutput_dir = \"" + (dir / "out").string() + "\"\n\n";
  const std::string model = "model = \"" + (dir / "no-model-needed").string() + "\"\n";
  const BadFile cases[] = {
      {"[[stage]]\nname = \"a\"\nrun = \"sft\"\n" + model + "\n[[stage]]\nname = \"b\"\nrun = \"finetune\"\n",
       "p.toml:11: stage 'b': unknown stage 'finetune'; a stage runs one of sft, train, generate, distill, "
       "eval"},
      {"[[stage]]\nname = \"rows\"\nrun = \"generate\"\n" + model +
           "\n[[stage]]\nname = \"b\"\nrun = \"sft\"\nmodel = \"@rows\"\n",
       "p.toml:12: stage 'b' reads a model (model = '@rows') but stage 'rows' (generate) writes rows, not a "
       "model"},
      {"[[stage]]\nname = \"b\"\nrun = \"sft\"\nmodel = \"@nowhere\"\n",
       "p.toml:7: stage 'b': model = '@nowhere' names no stage (stages: b)"},
      {"[[stage]]\nname = \"a\"\nrun = \"sft\"\nmodel = \"@b\"\n\n[[stage]]\nname = \"b\"\nrun = \"train\"\n"
       "model = \"@a\"\n",
       "p.toml:7: the stages form a cycle: a -> b -> a"},
      {"[[stage]]\nname = \"a\"\nrun = \"sft\"\nmodel = \"@b\"\n\n[[stage]]\nname = \"b\"\nrun = "
       "\"train\"\n" +
           model,
       "p.toml:7: stage 'a' reads '@b', which runs after it; move stage 'b' before it"},
      {"[[stage]]\nname = \"a\"\nrun = \"sft\"\n" + model + "output-dir = \"x\"\n",
       "p.toml:8: stage 'a': 'output-dir' is set by the pipeline"},
      {"[[stage]]\nname = \"a\"\nrun = \"sft\"\n" + model + "data = [1, {x = 2}]\n",
       "stage 'a': data: must be a string, a number, a boolean or an array of them"},
  };
  for (const BadFile& bad : cases) {
    const fs::path file = dir / "p.toml";
    testing::write_text(file, head + bad.stages);
    auto result = testing::run_command(pipeline_command(file));
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find(bad.message), std::string::npos) << "wanted: " << bad.message << "\n"
                                                                  << result.output;
    EXPECT_EQ(result.output.find("\n", result.output.find("error")), result.output.size() - 1)
        << "one line:\n"
        << result.output;
    EXPECT_FALSE(fs::exists(dir / "out")) << "nothing ran\n" << result.output;
  }
}

TEST(PipelineCommand, ShippedExamplesAreValid) {
  SKIP_WITHOUT_GRPO();
  for (const char* name : {"r1.toml", "distill.toml"}) {
    const fs::path file = testing::source_dir() / "examples/pipelines" / name;
    auto result = testing::run_command(testing::grpo_executable().string() + " pipeline check " +
                                       file.string() + " 2>&1");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("output in runs/"), std::string::npos) << result.output;
  }
}

}  // namespace
}  // namespace grpo
