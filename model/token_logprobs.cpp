// token_logprobs: the log-probability of each target token through the LM head, with the [rows, vocabulary]
// logits bounded to one chunk of rows in the forward AND the backward pass.
//
// Plain autograd over chunks would keep every chunk's [n, V] log_softmax output alive until the backward
// pass, so chunking bounded nothing there. ChunkedTokenLogprobs keeps only its inputs (the selected hidden
// states [N, D], the head's weight, the targets) and each row's log-sum-exp [N]; its backward recomputes one
// chunk's logits at a time and applies d logp[target] / d logits = (onehot(target) - softmax) / T.
#include <torch/torch.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "model/mixed_precision.h"
#include "model/transformer.h"

namespace grpo {
namespace {

// One chunk's logits in float32, divided by the temperature: hidden [n, D], weight [V, D] -> [n, V]. Under
// mixed precision the product runs in bf16 and only its result is cast: log-softmax and entropy are float32.
torch::Tensor scaled_logits(const torch::Tensor& hidden, const torch::Tensor& weight,
                            double inverse_temperature) {
  auto logits = torch::nn::functional::linear(hidden, weight).to(torch::kFloat32);  // [n, V]
  if (inverse_temperature != 1.0) logits.mul_(inverse_temperature);
  return logits;
}

struct ChunkValues {
  torch::Tensor logprobs;   // [N] log_softmax(logits / T)[target]
  torch::Tensor entropy;    // [N] of softmax(logits / T)
  torch::Tensor logsumexp;  // [N] of logits / T: what the backward pass needs to rebuild the softmax
};

// The forward computation, chunk by chunk, without autograd. hidden [N, D], targets [N].
ChunkValues chunked_values(const torch::Tensor& hidden, const torch::Tensor& weight,
                           const torch::Tensor& targets, double inverse_temperature, int64_t chunk_tokens) {
  const int64_t count = hidden.size(0);
  auto options = hidden.options().dtype(torch::kFloat32);
  ChunkValues values{torch::empty({count}, options), torch::empty({count}, options),
                     torch::empty({count}, options)};
  for (int64_t start = 0; start < count; start += chunk_tokens) {
    const int64_t length = std::min(chunk_tokens, count - start);
    auto logits = scaled_logits(hidden.narrow(0, start, length), weight, inverse_temperature);  // [n, V]
    auto logsumexp = logits.logsumexp(-1, /*keepdim=*/true);                                    // [n, 1]
    auto target_logits = logits.gather(1, targets.narrow(0, start, length).unsqueeze(1));       // [n, 1]
    // entropy = logsumexp - sum(p * logits), p = exp(logits - logsumexp): one [n, V] temporary
    auto expected_logit = logits.sub(logsumexp).exp_().mul_(logits).sum(-1);  // [n]
    values.logprobs.narrow(0, start, length).copy_((target_logits - logsumexp).squeeze(1));
    values.entropy.narrow(0, start, length).copy_(logsumexp.squeeze(1) - expected_logit);
    values.logsumexp.narrow(0, start, length).copy_(logsumexp.squeeze(1));
  }
  return values;
}

class ChunkedTokenLogprobs : public torch::autograd::Function<ChunkedTokenLogprobs> {
 public:
  // hidden [N, D], weight [V, D], targets [N] int64 -> {logprobs [N], entropy [N] (no gradient)}
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const torch::Tensor& hidden, const torch::Tensor& weight,
                                                const torch::Tensor& targets, double inverse_temperature,
                                                int64_t chunk_tokens) {
    ChunkValues values = chunked_values(hidden, weight, targets, inverse_temperature, chunk_tokens);
    ctx->save_for_backward({hidden, weight, targets, values.logsumexp});
    ctx->saved_data["inverse_temperature"] = inverse_temperature;
    ctx->saved_data["chunk_tokens"] = chunk_tokens;
    // The backward pass rebuilds the logits in the forward's precision (mixed_precision.h), so that they
    // match the saved log-sum-exp.
    ctx->saved_data["compute_dtype"] = static_cast<int64_t>(mixed_precision_dtype(hidden.device()));
    ctx->mark_non_differentiable({values.entropy});
    return {values.logprobs, values.entropy};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& hidden = saved[0];     // [N, D]
    const torch::Tensor& weight = saved[1];     // [V, D]
    const torch::Tensor& targets = saved[2];    // [N]
    const torch::Tensor& logsumexp = saved[3];  // [N]
    const double inverse_temperature = ctx->saved_data["inverse_temperature"].toDouble();
    const int64_t chunk_tokens = ctx->saved_data["chunk_tokens"].toInt();
    const torch::Tensor& grad_logprobs = grads[0];  // [N]
    const torch::autograd::variable_list none(5);
    if (!grad_logprobs.defined()) return none;
    const MixedPrecisionScope precision(
        hidden.device(), static_cast<torch::Dtype>(ctx->saved_data["compute_dtype"].toInt()), false);

    const bool float_weight = weight.scalar_type() == torch::kFloat32;
    auto grad_hidden = torch::empty_like(hidden);  // [N, D]
    // [V, D], summed over the chunks in float32 whatever the weight's dtype
    auto grad_weight = torch::zeros(weight.sizes(), weight.options().dtype(torch::kFloat32));
    const int64_t count = hidden.size(0);
    for (int64_t start = 0; start < count; start += chunk_tokens) {
      const int64_t length = std::min(chunk_tokens, count - start);
      auto h = hidden.narrow(0, start, length);                          // [n, D]
      auto grad_logits = scaled_logits(h, weight, inverse_temperature);  // [n, V], becomes the gradient:
      grad_logits.sub_(logsumexp.narrow(0, start, length).unsqueeze(1)).exp_().neg_();     // -softmax
      auto row_targets = targets.narrow(0, start, length).unsqueeze(1);                    // [n, 1]
      grad_logits.scatter_(1, row_targets, grad_logits.gather(1, row_targets).add_(1.0));  // + onehot
      grad_logits.mul_(grad_logprobs.narrow(0, start, length).to(torch::kFloat32).unsqueeze(1) *
                       inverse_temperature);  // x upstream gradient / T
      const auto grad = float_weight ? grad_logits : grad_logits.to(weight.scalar_type());
      grad_hidden.narrow(0, start, length).copy_(torch::matmul(grad, weight));  // [n, D]
      grad_weight.add_(torch::matmul(grad.t(), h.to(grad.scalar_type())));      // [V, D]
    }
    auto result = none;
    result[0] = grad_hidden;
    result[1] = float_weight ? grad_weight : grad_weight.to(weight.scalar_type());
    return result;
  }
};

}  // namespace

torch::Tensor token_logprobs(TransformerImpl& model, const torch::Tensor& hidden,
                             const torch::Tensor& targets, const torch::Tensor& loss_mask, double temperature,
                             torch::Tensor* entropy, int64_t chunk_tokens) {
  const int64_t batch = hidden.size(0), steps = hidden.size(1), width = hidden.size(2);
  auto device = hidden.device();
  auto rows = loss_mask.to(device, torch::kBool).reshape({-1}).nonzero().squeeze(1);             // [N]
  auto selected_hidden = hidden.reshape({batch * steps, width}).index_select(0, rows);           // [N, D]
  auto selected_targets = targets.to(device, torch::kLong).reshape({-1}).index_select(0, rows);  // [N]
  const double inverse_temperature = temperature > 0 ? 1.0 / temperature : 1.0;
  const int64_t count = rows.size(0);
  const int64_t chunk = chunk_tokens > 0 ? chunk_tokens : std::max<int64_t>(1, count);
  const torch::Tensor& weight = model.config().tie_word_embeddings
                                    ? model.model->embed_tokens->weight
                                    : model.lm_head->weight;  // [V, D], no bias

  torch::Tensor selected, selected_entropy;  // [N] each
  if (torch::GradMode::is_enabled() && (selected_hidden.requires_grad() || weight.requires_grad())) {
    auto outputs =
        ChunkedTokenLogprobs::apply(selected_hidden, weight, selected_targets, inverse_temperature, chunk);
    selected = outputs[0];
    selected_entropy = outputs[1];
  } else {
    ChunkValues values =
        chunked_values(selected_hidden, weight, selected_targets, inverse_temperature, chunk);
    selected = values.logprobs;
    selected_entropy = values.entropy;
  }
  auto flat_options = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  auto result =
      torch::zeros({batch * steps}, flat_options).index_copy(0, rows, selected).view({batch, steps});
  if (entropy != nullptr) {
    *entropy = torch::zeros({batch * steps}, flat_options)
                   .index_copy(0, rows, selected_entropy.detach())
                   .view({batch, steps});
  }
  return result;  // [B, T]
}

}  // namespace grpo
