// `grpo sft`: supervised fine-tuning on prompt + completion or chat rows (TRL's SFT option names). Every
// option is also a key of the [sft] section of a --config file.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "app/command.h"
#include "app/config_file.h"
#include "app/model_path.h"
#include "app/sft_options.h"
#include "trainer/sft_trainer.h"
#include "trainer/stop_signal.h"

namespace grpo::app {
namespace {

void add_sft_command(CLI::App& app, CommandContext& context) {
  static SftConfig config;
  auto* cmd = app.add_subcommand("sft", "Supervised fine-tuning on prompt + completion (or messages) rows");
  cmd->add_option("--model", config.model, "Model directory (or a checkpoint / run directory) to start from")
      ->required()
      ->group("Model, data and prompts");
  CLI::Option* resume = add_sft_options(cmd, config);
  cmd->callback([cmd, &app, &context, resume]() {
    finish_sft_options(*cmd, resume, config);
    context.uses_tensors = true;
    context.action = [&app, &context]() {
      config.seed = context.global.seed;
      config.device = context.global.device;
      config.model = resolve_model_directory(config.model, "--model", context.global.quiet);
      {
        SftTrainer trainer(config, options_as_toml(app, false));
        trainer.train();
      }
      // Stopped by a signal, with the checkpoint saved: 128 + N tells a scheduler the run was preempted.
      if (stop_signal() != 0) {
        std::fflush(stdout);
        std::exit(128 + stop_signal());
      }
    };
  });
}

const CommandRegistration registration{"sft", 38, add_sft_command};

}  // namespace
}  // namespace grpo::app
