#include "trainer/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace grpo {

ScheduleKind parse_schedule(const std::string& name) {
  if (name == "constant") return ScheduleKind::kConstant;
  if (name == "cosine") return ScheduleKind::kCosine;
  if (name == "linear") return ScheduleKind::kLinear;
  fail("lr_scheduler_type '{}' is not known: use constant, cosine or linear", name);
}

double LrSchedule::at(int64_t step) const {
  if (warmup_steps > 0 && step < warmup_steps) {
    return learning_rate * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  }
  if (kind == ScheduleKind::kConstant) return learning_rate;
  const int64_t decay_steps = std::max<int64_t>(1, total_steps - warmup_steps);
  const double progress = std::clamp(static_cast<double>(step - warmup_steps) / decay_steps, 0.0, 1.0);
  const double floor = learning_rate * min_lr_ratio;
  if (kind == ScheduleKind::kLinear) return floor + (learning_rate - floor) * (1.0 - progress);
  return floor + (learning_rate - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace grpo
