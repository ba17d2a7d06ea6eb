// Learning-rate schedule: linear warm-up from 0, then constant, cosine or linear decay to min_lr_ratio x lr.
#pragma once

#include <cstdint>
#include <string>

namespace grpo {

enum class ScheduleKind { kConstant, kCosine, kLinear };
ScheduleKind parse_schedule(const std::string& name);  // constant | cosine | linear

struct LrSchedule {
  double learning_rate = 1e-6;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
  ScheduleKind kind = ScheduleKind::kConstant;
  double min_lr_ratio = 0.0;

  // The learning rate of optimiser step `step` (0-based).
  double at(int64_t step) const;
};

}  // namespace grpo
