// GrpoTrainer: saving a checkpoint and resuming from one (the newest of the run, or one given by path).
#include "core/clock.h"
#include "core/error.h"
#include "distributed/collectives.h"
#include "model/lora.h"
#include "model/model_dir.h"
#include "model/parameter_copy.h"
#include "trainer/checkpoint.h"
#include "trainer/grpo_trainer.h"
#include "trainer/run_directory.h"
#include "trainer/trainer_wiring.h"

namespace grpo {

namespace fs = std::filesystem;

void GrpoTrainer::resume_from_checkpoint() {
  // Rank 0 chooses the checkpoint and tidies the run directory; every rank loads what it chose.
  const bool main_rank = collectives_->is_main();
  std::string chosen;
  if (main_rank) {
    const size_t stale = remove_stale_staging(config_.output_dir);
    if (stale > 0)
      fmt::print(stderr, "grpo: removed {} unfinished checkpoint write(s) left by a crash\n", stale);
    const auto checkpoint = checkpoint_to_resume(config_.resume, config_.output_dir);
    if (!checkpoint) {
      fmt::print(stderr, "grpo: --resume: no checkpoint in {}, starting from step 0\n", config_.output_dir);
    } else {
      verify_checkpoint(*checkpoint);
      chosen = checkpoint->string();
    }
  }
  collectives_->set_activity("start-up (--resume)");
  chosen = collectives_->broadcast_from_main(chosen);
  if (chosen.empty()) return;
  const fs::path checkpoint = chosen;
  const nlohmann::json state = read_trainer_state(checkpoint);
  if (config_.lora_r > 0) {
    // The base weights are the run's --model; the checkpoint's adapter holds what was trained.
    if (!fs::exists(checkpoint / "adapter" / "adapter_model.safetensors")) {
      fail("--resume with --lora-r: {} holds no adapter/ (was the run trained without LoRA?)",
           checkpoint.string());
    }
    load_lora_weights(*policy_, checkpoint / "adapter");
  } else {
    copy_parameters(*load_model(checkpoint / "model", device_), *policy_);
  }
  load_optimizer_state(checkpoint, *optimizer_);
  step_ = state.at("step").get<int64_t>();
  elapsed_before_resume_ = state.value("elapsed", 0.0);
  prompts_cut_ = state.value("prompts_cut", int64_t{0});
  data_.train->restore(state.at("data_cursor"));
  reference_differs_ = state.value("reference_differs", false);
  if (reference_differs_ && reference_)
    copy_parameters(*load_model(checkpoint / "reference", device_), *reference_);
  if (!main_rank) return;
  fmt::print(stderr, "grpo: resumed from {} at step {}\n", checkpoint.string(), step_);
  for (const auto& moved : set_aside_newer_checkpoints(config_.output_dir, checkpoint)) {
    fmt::print(stderr, "grpo: set aside the newer checkpoint {} (not resumed from, not pruned)\n",
               moved.string());
  }
}

void GrpoTrainer::save() {
  if (!collectives_->is_main()) return;  // the ranks hold the same weights: rank 0 writes them
  CheckpointContents contents;
  contents.policy = policy_.get();
  contents.reference = reference_differs_ && reference_ ? reference_.get() : nullptr;
  contents.optimizer = optimizer_.get();
  contents.lora_adapter = config_.lora_r > 0;
  contents.source_model = config_.model;
  contents.prompt_settings = prompt_settings_of(config_, template_).to_json();
  contents.trainer_state = {{"step", step_},
                            {"data_cursor", data_.train->cursor()},
                            {"seed", config_.seed},
                            {"reference_differs", reference_differs_},
                            {"prompts_cut", prompts_cut_},
                            {"elapsed", elapsed_before_resume_ + now_seconds() - start_time_}};
  auto path = save_checkpoint(config_.output_dir, step_, contents, config_.save_total_limit);
  fmt::print(stderr, "grpo: checkpoint {}\n", path.string());
}

}  // namespace grpo
