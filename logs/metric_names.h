// The keys of metrics.jsonl and eval.jsonl lines (TRL's names where TRL has one); see docs/LOGS.md.
#pragma once

#include <cstdint>
#include <string>

namespace grpo::logs::metric {

// metrics.jsonl: one object per training step.
inline constexpr const char* kStep = "step";
inline constexpr const char* kReward = "reward";         // mean total reward over the step's completions
inline constexpr const char* kRewardStd = "reward_std";  // TRL's: mean over groups of the group's reward std
inline constexpr const char* kRewardBatchStd = "reward_batch_std";  // std of all the step's total rewards
inline constexpr const char* kAccuracy = "accuracy";       // share of completions whose final answer is right
inline constexpr const char* kFormatRate = "format_rate";  // share in the required <think>/<answer> shape
inline constexpr const char* kFracRewardZeroStd = "frac_reward_zero_std";
inline constexpr const char* kMeanLength = "completions/mean_length";
inline constexpr const char* kMinLength = "completions/min_length";
inline constexpr const char* kMaxLength = "completions/max_length";
inline constexpr const char* kClippedRatio = "completions/clipped_ratio";
inline constexpr const char* kKl = "kl";
inline constexpr const char* kEntropy = "entropy";
inline constexpr const char* kClipLowMean = "clip_ratio/low_mean";
inline constexpr const char* kClipHighMean = "clip_ratio/high_mean";
inline constexpr const char* kClipRegionMean = "clip_ratio/region_mean";
inline constexpr const char* kGradNorm = "grad_norm";
inline constexpr const char* kLearningRate = "learning_rate";
inline constexpr const char* kNumTokens = "num_tokens";
inline constexpr const char* kTokensTrained = "tokens_trained";
inline constexpr const char* kTimeRollout = "time/rollout";
inline constexpr const char* kTimeReward = "time/reward";
inline constexpr const char* kTimeLogprobs = "time/logprobs";
inline constexpr const char* kTimeUpdate = "time/update";
inline constexpr const char* kTimeStep = "time/step";
inline constexpr const char* kElapsed = "elapsed";
// Rollout / training mismatch (bf16 rollouts, KV-cache numerics), over the step's masked tokens: the mean
// |old log-prob of the training forward - the rollout's| and, with --rollout-is-cap, the mean truncated
// importance weight and the share of tokens whose weight hit the cap (verl's TIS).
inline constexpr const char* kRolloutLogprobAbsDiff = "rollout_mismatch/abs_logprob_diff_mean";
inline constexpr const char* kRolloutIsWeight = "rollout_is/weight_mean";
inline constexpr const char* kRolloutIsCapped = "rollout_is/capped_ratio";
// Peak host resident memory of each phase of the step, MiB (Linux's VmHWM, reset at the phase's start).
inline constexpr const char* kMemoryRollout = "memory/rollout_peak_mib";
inline constexpr const char* kMemoryLogprobs = "memory/logprobs_peak_mib";
inline constexpr const char* kMemoryUpdate = "memory/update_peak_mib";
// On CUDA, where the build reads LibTorch's allocator statistics: the most bytes held by tensors on the
// device in each phase, MiB (the allocator's peak, reset at the phase's start).
inline constexpr const char* kDeviceMemoryRollout = "memory/rollout_device_peak_mib";
inline constexpr const char* kDeviceMemoryLogprobs = "memory/logprobs_device_peak_mib";
inline constexpr const char* kDeviceMemoryUpdate = "memory/update_device_peak_mib";
// `grpo sft` (TRL's SFTTrainer names): the step's mean loss per trained token, the held-out loss when
// evaluated, and the epochs done.
inline constexpr const char* kLoss = "loss";
inline constexpr const char* kEvalLoss = "eval_loss";
inline constexpr const char* kEpoch = "epoch";

// Mixture-of-experts policies (present only for them), over the update's forwards of the step and the
// real tokens (prompt and completion) of its sequences. No capacity limit is used: no token is dropped.
inline constexpr const char* kMoeLoadRatio = "moe/load_max_over_mean";  // mean over sparse layers
inline constexpr const char* kMoeRouterEntropy = "moe/router_entropy";  // nats per token, mean over layers
// Share of tokens whose experts (as a set) in the update differ from the old policy's (0 with routing
// replay), and whose own top-k differs (the same without replay).
inline constexpr const char* kMoeRoutingChanged = "moe/routing_changed";
inline constexpr const char* kMoeRoutingChangedOwn = "moe/routing_changed_own";
inline constexpr const char* kMoeBiasAbsMean = "moe/balancing_bias_abs_mean";  // noaux_tc only
inline constexpr const char* kMoeAuxLoss =
    "moe/aux_loss";  // coefficient x balance loss, router_aux_loss_coef > 0
// "moe/load_max_over_mean/layer_<i>": decoder layer i's busiest expert's load over the mean load.
inline std::string moe_load_ratio(int64_t layer) {
  return std::string(kMoeLoadRatio) + "/layer_" + std::to_string(layer);
}

// Box-stacking steps only (datasets/box_chain.h defines a chain): the share of completions whose <think>
// holds a chain of stacks, the accuracy of completions with and without one (null when there are none), the
// share of the chains' steps whose stack is right, and the mean words in the think block. `grpo eval --json`
// holds the same keys under "reasoning" ("greedy" and "sampled").
inline constexpr const char* kChainShare = "reasoning/chain_share";
inline constexpr const char* kAccuracyWithChain = "reasoning/accuracy_with_chain";
inline constexpr const char* kAccuracyWithoutChain = "reasoning/accuracy_without_chain";
inline constexpr const char* kStackAccuracy = "reasoning/stack_accuracy";
// Over the completions holding a chain: the share whose last stated stack is the problem's answer, whether
// or not the completion then closes <think> and writes it in <answer> (what the reward scores).
inline constexpr const char* kChainEndAccuracy = "reasoning/chain_end_accuracy";
inline constexpr const char* kThinkWords = "reasoning/think_words";

// "rewards/<name>/mean" and "rewards/<name>/std" for each reward function.
inline std::string reward_mean(const std::string& name) {
  return "rewards/" + name + "/mean";
}
inline std::string reward_std(const std::string& name) {
  return "rewards/" + name + "/std";
}

// eval.jsonl and `grpo eval --json`: one object per evaluation (written by EvalResult::to_json; read by
// `grpo logs` and the report). pass@1 is DeepSeek-R1's: the mean over problems of the share of the k sampled
// completions that are right (null with k = 0); the greedy completion's accuracy is greedy_accuracy.
inline constexpr const char* kGreedyAccuracy = "greedy_accuracy";  // share of problems answered right, greedy
inline constexpr const char* kPassAt1 = "pass@1";  // mean share of right samples (of k) per problem
inline constexpr const char* kPassAtK = "pass@k";  // share of problems with >= 1 right sample of k
inline constexpr const char* kMajAtK = "maj@k";    // share of problems whose majority answer of k is right
inline constexpr const char* kK = "k";
inline constexpr const char* kEvalFormatRate = "format_rate";  // mean format score of the greedy completions
inline constexpr const char* kMeanLengthEval = "mean_length";  // mean tokens of the greedy completions
inline constexpr const char* kNumProblems = "n_problems";
inline constexpr const char* kPrefill = "prefill";
// null, or {"field": F, "groups": [{"value": V, "n_problems", "greedy_accuracy", "pass@1", "pass@k", "maj@k",
// "format_rate"}, ...]}: the results per value of the row field F (e.g. MATH's level, num_operations).
inline constexpr const char* kBreakdown = "breakdown";
inline constexpr const char* kBreakdownField = "field";
inline constexpr const char* kBreakdownGroups = "groups";
inline constexpr const char* kBreakdownValue = "value";
inline constexpr const char* kExamples = "examples";  // a few greedy completions
inline constexpr const char* kEvalSeconds = "seconds";
// null, or {"greedy": {reasoning/... as in metrics.jsonl}, "sampled": {...} or null}: box-stacking problems.
inline constexpr const char* kReasoning = "reasoning";

}  // namespace grpo::logs::metric
