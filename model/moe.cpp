#include "model/moe.h"

#include <torch/torch.h>

#include <vector>

namespace grpo {

// ---------------------------------------------------------------- SwiGLU MLP

MLPImpl::MLPImpl(const ModelConfig& config) : MLPImpl(config.hidden_size, config.intermediate_size) {}

MLPImpl::MLPImpl(int64_t hidden_size, int64_t intermediate_size, bool mixtral_names) {
  auto linear = [](int64_t in, int64_t out) {
    return LoraLinear(torch::nn::LinearOptions(in, out).bias(false));
  };
  gate_proj = register_module(mixtral_names ? "w1" : "gate_proj", linear(hidden_size, intermediate_size));
  up_proj = register_module(mixtral_names ? "w3" : "up_proj", linear(hidden_size, intermediate_size));
  down_proj = register_module(mixtral_names ? "w2" : "down_proj", linear(intermediate_size, hidden_size));
}

torch::Tensor MLPImpl::forward(const torch::Tensor& x) {
  return down_proj(torch::silu(gate_proj(x)) * up_proj(x));
}

// ---------------------------------------------------------------- routing

Routing route_tokens(const torch::Tensor& router_logits, const RoutingOptions& options,
                     const torch::Tensor& selection_bias, const torch::Tensor& replayed_experts) {
  Routing routing;
  auto logits = router_logits.to(torch::kFloat32);  // [N, E]
  routing.scores = options.sigmoid ? torch::sigmoid(logits) : torch::softmax(logits, -1);
  torch::Tensor chosen_scores;  // [N, k]
  if (selection_bias.defined()) {
    // The bias decides which experts; the weights stay the unbiased scores.
    auto biased = routing.scores.detach() + selection_bias.to(routing.scores.device(), torch::kFloat32);
    routing.experts = std::get<1>(biased.topk(options.top_k, -1));
    chosen_scores = routing.scores.gather(1, routing.experts);
  } else {
    auto top = routing.scores.topk(options.top_k, -1);
    chosen_scores = std::get<0>(top);
    routing.experts = std::get<1>(top);
  }
  routing.own_experts = routing.experts;
  if (replayed_experts.defined()) {
    routing.experts = replayed_experts.to(routing.scores.device(), torch::kLong);
    chosen_scores = routing.scores.gather(1, routing.experts);
  }
  if (options.norm_topk_prob) {
    // DeepSeek-V3 guards the sum of sigmoid affinities with 1e-20; a softmax's top k are never all 0.
    chosen_scores =
        chosen_scores / (chosen_scores.sum(-1, /*keepdim=*/true) + (options.sigmoid ? 1e-20 : 0.0));
  }
  routing.weights =
      options.routed_scaling_factor != 1.0 ? chosen_scores * options.routed_scaling_factor : chosen_scores;
  return routing;
}

torch::Tensor grouped_expert_forward(const torch::nn::ModuleList& experts, const torch::Tensor& x,
                                     const Routing& routing) {
  const int64_t top_k = routing.experts.size(1), expert_count = static_cast<int64_t>(experts->size());
  auto flat_experts = routing.experts.reshape({-1});                         // [N*k] slot -> expert
  auto flat_weights = routing.weights.reshape({-1, 1}).to(x.scalar_type());  // [N*k, 1]
  auto order = std::get<1>(flat_experts.sort());                             // [N*k] slots grouped by expert
  auto tokens = torch::div(order, top_k, /*rounding_mode=*/"floor");         // [N*k] the token of each slot
  auto counts = torch::bincount(flat_experts, /*weights=*/{}, expert_count).to(torch::kCPU);  // [E]
  const auto* count = counts.data_ptr<int64_t>();
  auto out = torch::zeros_like(x);  // [N, D]
  int64_t start = 0;
  for (int64_t e = 0; e < expert_count; ++e) {
    if (count[e] == 0) continue;
    auto rows = tokens.narrow(0, start, count[e]);                                        // [n_e]
    auto weights = flat_weights.index_select(0, order.narrow(0, start, count[e]));        // [n_e, 1]
    auto y = experts->ptr(e)->as<MLPImpl>()->forward(x.index_select(0, rows)) * weights;  // [n_e, D]
    out.index_add_(0, rows, y);
    start += count[e];
  }
  return out;
}

torch::Tensor sequence_balance_loss(const torch::Tensor& scores, const torch::Tensor& experts,
                                    const torch::Tensor& token_mask) {
  const int64_t batch = scores.size(0), steps = scores.size(1), expert_count = scores.size(2);
  const int64_t top_k = experts.size(2);
  auto mask = token_mask.defined() ? token_mask.to(scores.device(), torch::kFloat32)
                                   : torch::ones({batch, steps}, scores.options().dtype(torch::kFloat32));
  auto real_tokens = mask.sum(1);  // [B]
  torch::Tensor choices;           // [B, E] how many of each sequence's real tokens chose expert i
  {
    torch::NoGradGuard no_grad;
    auto one_hot = torch::zeros({batch, steps, expert_count}, mask.options())
                       .scatter_add_(2, experts, torch::ones({batch, steps, top_k}, mask.options()));
    choices = (one_hot * mask.unsqueeze(-1)).sum(1);
  }
  auto divisor = real_tokens.clamp_min(1.0).unsqueeze(-1);                          // [B, 1]
  auto fraction = choices * (static_cast<double>(expert_count) / top_k) / divisor;  // f_i [B, E]
  auto normalised = scores / scores.sum(-1, /*keepdim=*/true);                      // [B, T, E]
  auto probability = (normalised * mask.unsqueeze(-1)).sum(1) / divisor;            // P_i [B, E]
  auto per_sequence = (fraction * probability).sum(-1);                             // [B]
  auto present = (real_tokens > 0).to(torch::kFloat32);
  return (per_sequence * present).sum() / present.sum().clamp_min(1.0);
}

// ---------------------------------------------------------------- the block

SparseMoeBlockImpl::SparseMoeBlockImpl(const ModelConfig& config) {
  const MoeConfig& moe = config.moe;
  const int64_t d = config.hidden_size;
  routing_options.top_k = moe.num_experts_per_tok;
  routing_options.sigmoid = moe.scoring_func == "sigmoid";
  routing_options.norm_topk_prob = moe.norm_topk_prob;
  routing_options.routed_scaling_factor = moe.routed_scaling_factor;
  auxiliary_loss_coefficient = moe.router_aux_loss_coef;

  gate = register_module("gate", torch::nn::Linear(torch::nn::LinearOptions(d, moe.num_experts).bias(false)));
  if (moe.topk_method == "noaux_tc") {
    balancing_bias = gate->register_buffer("e_score_correction_bias", torch::zeros({moe.num_experts}));
  }
  experts = register_module("experts", torch::nn::ModuleList());
  for (int64_t e = 0; e < moe.num_experts; ++e)
    experts->push_back(MLP(d, moe.moe_intermediate_size, config.mixtral_names()));
  if (moe.shared_expert_intermediate_size > 0) {
    shared_expert = register_module("shared_expert", MLP(d, moe.shared_expert_intermediate_size));
    shared_expert_gate =
        register_module("shared_expert_gate", torch::nn::Linear(torch::nn::LinearOptions(d, 1).bias(false)));
  }
  if (moe.n_shared_experts > 0) {
    shared_experts =
        register_module("shared_experts", MLP(d, moe.n_shared_experts * moe.moe_intermediate_size));
  }
}

Routing SparseMoeBlockImpl::route(const torch::Tensor& x) {
  return route_tokens(gate(x), routing_options, balancing_bias,
                      replay_reference ? reference_experts : torch::Tensor());
}

torch::Tensor SparseMoeBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& token_mask) {
  const int64_t batch = x.size(0), steps = x.size(1), width = x.size(2);
  const int64_t expert_count = static_cast<int64_t>(experts->size());
  auto flat = x.reshape({batch * steps, width});  // [N, D]
  // Padding skips the block (output 0; nobody reads it), so the experts' batches hold the same real tokens
  // whatever the padding: a forward repeated with the recorded routing gives the same numbers.
  torch::Tensor real;  // [n] int64: the rows of the real tokens; undefined: all
  if (token_mask.defined()) {
    real = token_mask.reshape({-1}).to(flat.device(), torch::kBool).nonzero().squeeze(1);
    if (real.size(0) == flat.size(0)) real = torch::Tensor();
  }
  auto real_rows = [&](const torch::Tensor& rows) {  // [N, ...] -> [n, ...]
    return real.defined() ? rows.index_select(0, real.to(rows.device())) : rows;
  };
  auto all_rows = [&](const torch::Tensor& rows, const torch::Tensor& padding) {  // [n, ...] -> [N, ...]
    return real.defined() ? padding.index_copy(0, real.to(rows.device()), rows) : rows;
  };
  auto tokens = real_rows(flat);  // [n, D]
  Routing routing = route_tokens(gate(tokens), routing_options, balancing_bias,
                                 replay_reference ? real_rows(reference_experts) : torch::Tensor());
  auto out = grouped_expert_forward(experts, tokens, routing);  // [n, D]
  if (shared_expert) out = out + torch::sigmoid(shared_expert_gate(tokens)) * shared_expert(tokens);
  if (shared_experts) out = out + shared_experts(tokens);
  out = all_rows(out, torch::zeros_like(flat));  // [N, D]

  const int64_t top_k = routing.experts.size(1);
  auto padding_experts = [&] {  // [N, k]: experts 0 .. k-1 for padding
    return torch::arange(top_k, routing.experts.options()).expand({flat.size(0), top_k}).contiguous();
  };
  if (record_routing) recorded_experts = all_rows(routing.experts.detach(), padding_experts());
  // A recording forward is not the update's: it counts no load and has no balance loss. Gradient
  // checkpointing's forward runs without autograd and asks for them with record_without_grad.
  if ((torch::GradMode::is_enabled() || record_without_grad) && !record_routing) {
    add_statistics(routing, reference_experts.defined() ? real_rows(reference_experts) : torch::Tensor());
    if (auxiliary_loss_coefficient > 0) {
      // Padding rows get uniform scores (never NaN once normalised); the mask leaves them out.
      auto scores = all_rows(routing.scores, torch::full({flat.size(0), expert_count}, 1.0 / expert_count,
                                                         routing.scores.options()));
      auxiliary_loss =
          auxiliary_loss_coefficient *
          sequence_balance_loss(scores.view({batch, steps, expert_count}),
                                all_rows(routing.experts, padding_experts()).view({batch, steps, top_k}),
                                token_mask);
    }
  }
  return out.view({batch, steps, width});
}

namespace {

// Each row's experts in increasing order, so that two routings compare as sets. experts [n, k] -> [n, k]
torch::Tensor as_sets(const torch::Tensor& experts) {
  return std::get<0>(experts.sort(1));
}

// How many rows of a and b [n, k] differ as sets.
double rows_differing(const torch::Tensor& a, const torch::Tensor& b) {
  return (as_sets(a) != as_sets(b)).any(1).sum().item<double>();
}

}  // namespace

void SparseMoeBlockImpl::add_statistics(const Routing& routing, const torch::Tensor& reference) {
  torch::NoGradGuard no_grad;
  const int64_t expert_count = static_cast<int64_t>(experts->size());
  auto load = torch::bincount(routing.experts.reshape({-1}), {}, expert_count).to(torch::kFloat32);  // [E]
  observed_load = observed_load.defined() ? observed_load + load : load;
  statistics.load = statistics.load.defined() ? statistics.load + load : load;

  auto scores = routing.scores.detach();                         // [n, E]
  auto probability = scores / scores.sum(-1, /*keepdim=*/true);  // sigmoid affinities sum to 1 too
  auto entropy = -(probability * probability.clamp_min(1e-30).log()).sum(-1);  // [n]
  statistics.entropy_sum += entropy.sum().item<double>();
  const auto tokens = static_cast<double>(routing.experts.size(0));
  statistics.tokens += tokens;

  if (reference.defined()) {
    auto reference_experts = reference.to(routing.experts.device());  // [n, k]
    statistics.compared += tokens;
    statistics.changed += rows_differing(routing.experts, reference_experts);
    statistics.own_changed += rows_differing(routing.own_experts, reference_experts);
  }
}

void SparseMoeBlockImpl::update_balancing_bias(double rate) {
  if (!balancing_bias.defined() || !observed_load.defined()) return;
  torch::NoGradGuard no_grad;
  auto load = observed_load.to(balancing_bias.device(), torch::kFloat32);
  if (load.sum().item<double>() > 0) {
    balancing_bias.add_((load.mean() - load).sign().to(balancing_bias.scalar_type()) * rate);
  }
  observed_load = torch::Tensor();
}

}  // namespace grpo
