// The mixture-of-experts feed-forward block of a decoder layer: a router scores E routed SwiGLU experts per
// token, each token goes to its top k, and optional shared experts see every token. Gating as Qwen-MoE /
// Mixtral (softmax, top-k, optionally renormalised) or as DeepSeek-V3 (sigmoid affinities, top-k
// renormalised, times routed_scaling_factor), with DeepSeek-V3's auxiliary-loss-free balancing (a per-expert
// bias added to the scores for the choice of experts only: a buffer, never in the gradient, nudged by the
// observed load) and its sequence-level balance loss. Module names are Hugging Face's (see
// tensor_layout.cpp).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <string>

#include "model/config.h"
#include "model/lora.h"

namespace grpo {

// A SwiGLU MLP: down(silu(gate(x)) * up(x)); registered as gate_proj / up_proj / down_proj, or as Mixtral's
// w1 / w3 / w2.
class MLPImpl : public torch::nn::Module {
 public:
  explicit MLPImpl(const ModelConfig& config);  // the dense MLP: intermediate_size
  MLPImpl(int64_t hidden_size, int64_t intermediate_size, bool mixtral_names = false);
  torch::Tensor forward(const torch::Tensor& x);                        // [..., D] -> [..., D]
  LoraLinear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};  // LoRA targets (lora.h)
};
TORCH_MODULE(MLP);

struct RoutingOptions {
  int64_t top_k = 1;
  bool sigmoid = false;  // DeepSeek-V3's sigmoid affinities instead of a softmax
  bool norm_topk_prob = false;
  double routed_scaling_factor = 1.0;
};

// Which experts each token uses and with what weight.
struct Routing {
  torch::Tensor experts;      // [N, k] int64, best first
  torch::Tensor weights;      // [N, k] float32: the factors on the experts' outputs
  torch::Tensor scores;       // [N, E] float32: softmax probabilities or sigmoid affinities (no bias)
  torch::Tensor own_experts;  // [N, k] int64: the experts the scores choose (= experts unless replayed)
};

// router_logits [N, E]; selection_bias [E] float32 or undefined: added to the scores for the choice only;
// replayed_experts [N, k] int64 or undefined: the experts to use instead of choosing (routing replay),
// weighted as if chosen (the scores at those experts, normalised and scaled alike).
Routing route_tokens(const torch::Tensor& router_logits, const RoutingOptions& options,
                     const torch::Tensor& selection_bias = {}, const torch::Tensor& replayed_experts = {});

// Sums over the forwards in grad mode (the update's) since the trainer last read them.
struct RoutingStatistics {
  torch::Tensor load;      // [E] float32: real tokens routed to each expert
  double entropy_sum = 0;  // sum over real tokens of the entropy (nats) of the scores normalised to sum 1
  double tokens = 0;       // real tokens
  double compared = 0;     // real tokens that had a reference routing (set_routing_reference)
  double changed = 0;      // ... whose experts used differ (as a set) from the reference's
  double own_changed = 0;  // ... whose own top-k differs from the reference's (= changed without replay)
};

// The routed experts' output, grouped: the tokens of each expert gathered, one matmul chain per expert, the
// weighted results added back in place (index_add). x [N, D]; routing.experts / weights [N, k] -> [N, D].
torch::Tensor grouped_expert_forward(const torch::nn::ModuleList& experts, const torch::Tensor& x,
                                     const Routing& routing);

// DeepSeek-V3's sequence-wise balance loss, without its coefficient: per sequence, sum_i f_i P_i with
// f_i = E / (k T) * (tokens choosing expert i), P_i = mean over tokens of the scores normalised to sum 1; the
// mean over sequences with at least one real token. scores [B, T, E]; experts [B, T, k]; token_mask [B, T]
// bool (true = a real token) or undefined.
torch::Tensor sequence_balance_loss(const torch::Tensor& scores, const torch::Tensor& experts,
                                    const torch::Tensor& token_mask);

class SparseMoeBlockImpl : public torch::nn::Module {
 public:
  explicit SparseMoeBlockImpl(const ModelConfig& config);
  // x [B, T, D]; token_mask [B, T] bool (true = a real token) or undefined -> [B, T, D]; padding tokens skip
  // the block (output 0). In grad mode or with record_without_grad (unless recording), adds the real tokens'
  // expert choices to observed_load and statistics and, with router_aux_loss_coef > 0, sets auxiliary_loss.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& token_mask = {});
  // The routing of x [N, D] as forward computes it (the reference's experts when replaying).
  Routing route(const torch::Tensor& x);
  // DeepSeek-V3's bias update: bias_i += rate * sign(mean load - load_i) over the load observed since the
  // last update, which is then cleared. Does nothing without the balancing bias (topk_method "noaux_tc").
  void update_balancing_bias(double rate);

  torch::nn::Linear gate{nullptr};  // router [E, D]
  torch::nn::ModuleList experts{nullptr};
  MLP shared_expert{nullptr};                     // Qwen2-MoE
  torch::nn::Linear shared_expert_gate{nullptr};  // Qwen2-MoE: [1, D], sigmoid
  MLP shared_experts{nullptr};                    // DeepSeek-V3: ungated
  torch::Tensor balancing_bias;  // [E] float32 buffer gate.e_score_correction_bias, or undefined
  torch::Tensor
      observed_load;  // [E] float32: tokens routed to each expert in grad mode since the last update
  torch::Tensor
      auxiliary_loss;  // scalar: coefficient * sequence_balance_loss of the last forward in grad mode
  RoutingOptions routing_options;
  double auxiliary_loss_coefficient = 0.0;
  // Count load and compute the balance loss outside grad mode too: gradient checkpointing's forward runs
  // without autograd (model/layer_checkpoint.h).
  bool record_without_grad = false;

  // Routing replay and comparison: reference_experts [N, k] int64 (an earlier forward's choice for the N
  // tokens of the next forwards) or undefined; with replay_reference, forward uses those experts instead of
  // choosing (R2 routing replay), else only compares them with its choice (statistics).
  torch::Tensor reference_experts;
  bool replay_reference = false;
  // With record_routing, every forward stores the experts it used: recorded_experts [N, k] int64.
  bool record_routing = false;
  torch::Tensor recorded_experts;
  RoutingStatistics statistics;

 private:
  // routing of the n real tokens; reference [n, k] int64 or undefined.
  void add_statistics(const Routing& routing, const torch::Tensor& reference);
};
TORCH_MODULE(SparseMoeBlock);

}  // namespace grpo
