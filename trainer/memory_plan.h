// `grpo train --dry-run`: the peak memory a run's settings need, estimated from config.json alone before
// anything is allocated: weights, the reference model, gradients and AdamW's moments of what trains,
// the rollout's KV cache and logits, the update's saved activations (all layers, or with gradient
// checkpointing each layer's input plus one layer) and logits chunk. An estimate in float32: allocator
// slack, LibTorch itself (~300 MiB on the CPU) and temporary tensors come on top; compare with the measured
// memory/*_peak_mib metrics of a step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"
#include "trainer/trainer_config.h"

namespace grpo {

struct MemoryPlan {
  struct Item {
    std::string name;
    double bytes = 0;
    std::string detail;
  };
  std::vector<Item> resident;  // held through the whole run
  std::vector<Item> rollout;   // alive during the rollout phase only
  std::vector<Item> update;    // alive during the update phase only
  int64_t trainable_parameters = 0;

  double resident_bytes() const;
  double rollout_bytes() const;
  double update_bytes() const;
  double peak_bytes() const;  // resident + the larger phase
  std::string to_text() const;
};

// The LoRA adapters' parameter count for `config` with rank r on `targets` (expanded names).
int64_t lora_parameter_count(const ModelConfig& config, int64_t r, const std::vector<std::string>& targets);

MemoryPlan plan_training_memory(const ModelConfig& model, const TrainerConfig& settings);

}  // namespace grpo
