// `grpo` runs the commands that need no tensors without loading LibTorch (the dynamic loader's own record,
// LD_DEBUG=files, names every library it loads) and hands every other command line to grpo-torch beside it:
// a copy of grpo alone still runs `grpo logs`, and says clearly that it cannot start grpo-torch for `grpo
// train`.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "browser_page.h"
#include "test_support.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using grpo::testing::CommandResult;
using grpo::testing::shell_quote;

CommandResult run(const fs::path& program, const std::string& arguments,
                  const std::string& environment = "") {
  return grpo::testing::run_command(environment + " " + shell_quote(program.string()) + " " + arguments +
                                    " 2>&1");
}

bool loads_libtorch(const std::string& loader_record) {
  return loader_record.find("file=libtorch_cpu.so") != std::string::npos;
}

class TwoExecutables : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(grpo_) || !fs::exists(grpo_torch_)) {
      GTEST_SKIP() << "grpo and grpo-torch are not built at " << grpo_.parent_path();
    }
  }
  const fs::path grpo_ = grpo::testing::grpo_executable();
  const fs::path grpo_torch_ = grpo_.parent_path() / "grpo-torch";
};

TEST_F(TwoExecutables, CommandsWithoutTensorsDoNotLoadLibTorch) {
  for (const std::string command : {"logs", "report", "data", "reward", "tokenizer", "corpus", "gate"}) {
    const CommandResult help = run(grpo_, command + " --help", "LD_DEBUG=files");
    EXPECT_EQ(help.exit_code, 0) << help.output;
    EXPECT_NE(help.output.find("Usage: grpo " + command), std::string::npos) << help.output;
    EXPECT_FALSE(loads_libtorch(help.output)) << "grpo " << command << " loaded LibTorch";
  }
  // The check can fail: a command that computes with tensors loads it (in grpo-torch).
  const CommandResult info = run(grpo_, "info --help", "LD_DEBUG=files");
  EXPECT_EQ(info.exit_code, 0) << info.output;
  EXPECT_TRUE(loads_libtorch(info.output));
  EXPECT_NE(info.output.find("Usage: grpo info"), std::string::npos) << info.output;
}

TEST_F(TwoExecutables, EveryOtherCommandLineIsHandedToGrpoTorch) {
  const CommandResult help = run(grpo_, "--help");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  for (const std::string command :
       {"train", "eval", "sample", "init", "info", "pretrain", "logs", "reward"}) {
    EXPECT_NE(help.output.find("  " + command + " "), std::string::npos) << command << " missing:\n"
                                                                         << help.output;
  }
  EXPECT_EQ(run(grpo_torch_, "--help").output, help.output);
  const CommandResult typo = run(grpo_, "trian");
  EXPECT_EQ(typo.exit_code, 2) << typo.output;
  EXPECT_NE(typo.output.find("did you mean 'train'?"), std::string::npos) << typo.output;

  grpo::testing::TempDir dir;  // grpo without grpo-torch beside it
  fs::copy_file(grpo_, dir / "grpo");
  fs::permissions(dir / "grpo", fs::perms::owner_all);
  const CommandResult logs = run(dir / "grpo", "logs --help");
  EXPECT_EQ(logs.exit_code, 0) << logs.output;
  const CommandResult train = run(dir / "grpo", "train --data task:arithmetic");
  EXPECT_EQ(train.exit_code, 1) << train.output;
  EXPECT_NE(train.output.find("grpo: error: cannot start '" + (dir / "grpo-torch").string() + "'"),
            std::string::npos)
      << train.output;
}

}  // namespace
}  // namespace grpo
