// GrpoTrainer: evaluation on the held-out set, and the console line of each step.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "distributed/collectives.h"
#include "model/mixed_precision.h"

#include "logs/metric_names.h"
#include "rewards/reward_registry.h"
#include "trainer/evaluation.h"
#include "trainer/grpo_trainer.h"
#include "trainer/trainer_wiring.h"

namespace grpo {

namespace metric = logs::metric;
using nlohmann::json;

void GrpoTrainer::evaluate_and_log() {
  // Every rank evaluates its share of the problems (evaluate gathers them); rank 0 logs the result.
  const bool main_rank = collectives_->is_main();
  if (stop_agreed()) {
    if (main_rank) fmt::print(stderr, "grpo: evaluation at step {} skipped: stop requested\n", step_);
    return;
  }
  collectives_->set_activity(fmt::format("evaluation at step {}", step_));
  RewardSet correctness;
  correctness.add(make_reward(reward_specs_[static_cast<size_t>(reward_roles_.accuracy)]));
  RewardSet format;
  format.add(make_reward("format"));
  policy_->eval();
  EvalOptions options = eval_options_of(config_);
  options.collectives = collectives_.get();
  bool abandoned = false;  // every rank agrees on it between the greedy and the sampled pass
  options.should_stop = [&] { return abandoned = stop_agreed(); };
  EvalResult result;
  try {
    const MixedPrecisionScope precision(device_, compute_dtype_, /*cache_weights=*/true);
    result = evaluate(*engine_, *tokenizer_, data_.eval, template_, correctness, &format, options);
  } catch (const Error& e) {
    if (!abandoned && !stop_requested()) throw;
    if (main_rank) {
      fmt::print(stderr, "grpo: evaluation at step {} abandoned: stop requested ({})\n", step_, e.what());
    }
    return;
  }
  if (!main_rank) return;
  if (stop_requested()) {
    fmt::print(stderr, "grpo: evaluation at step {} finished after the stop request; logged\n", step_);
  }
  json line = result.to_json();
  line["step"] = step_;
  run_log_->append_eval(line);
  fmt::print(stderr, "grpo: eval at step {}: {}{}\n", step_, result.summary(),
             result.ranks > 1 ? fmt::format(" (evaluation over {} ranks)", result.ranks) : "");
}

void GrpoTrainer::print_step_line(const json& m) const {
  const double step_seconds = m.value(metric::kTimeStep, 0.0);
  const int64_t remaining = config_.max_steps - step_;
  const double eta = step_seconds * static_cast<double>(remaining);
  auto value = [&](const char* key) {
    return m.contains(key) && m[key].is_number() ? m[key].get<double>() : NAN;
  };
  std::string line = fmt::format(
      "step {}/{} | reward {:.3f} ± {:.3f} | acc {:.3f} | fmt {:.3f} | len {:.1f} | kl {:.4f} | clip {:.3f} "
      "| "
      "gnorm {:.3f} | lr {:.2e} | {:.2f} s/step (rollout {:.2f}, update {:.2f}) | ETA {:.0f}m{:02.0f}s",
      step_, config_.max_steps, value(metric::kReward), value(metric::kRewardStd), value(metric::kAccuracy),
      value(metric::kFormatRate), value(metric::kMeanLength), value(metric::kKl),
      value(metric::kClipRegionMean), value(metric::kGradNorm), value(metric::kLearningRate), step_seconds,
      value(metric::kTimeRollout), value(metric::kTimeUpdate), std::floor(eta / 60), std::fmod(eta, 60.0));
  if (isatty(fileno(stderr))) {
    const int width = 20;
    int filled = static_cast<int>(width * step_ / std::max<int64_t>(1, config_.max_steps));
    line = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] " + line;
  }
  fmt::print(stderr, "{}\n", line);
}

}  // namespace grpo
