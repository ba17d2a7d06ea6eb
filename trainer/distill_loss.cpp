#include "trainer/distill_loss.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "model/mixed_precision.h"

namespace grpo {
namespace {

// One chunk's log-probabilities in float32: hidden [n, D], weight [V, D] -> [n, V].
torch::Tensor chunk_log_probs(const torch::Tensor& hidden, const torch::Tensor& weight) {
  return torch::nn::functional::linear(hidden, weight).to(torch::kFloat32).log_softmax(-1);
}

// log m, m = beta q + (1 - beta) p, from the log-probabilities s = log p, t = log q [n, V].
torch::Tensor mixture_log_probs(const torch::Tensor& s, const torch::Tensor& t, double beta) {
  return torch::logaddexp(s + std::log1p(-beta), t + std::log(beta));
}

// Per row [n]: the divergence of the module comment.
torch::Tensor chunk_divergence(const torch::Tensor& s, const torch::Tensor& t, double beta) {
  if (beta == 0) return (t.exp() * (t - s)).sum(-1);
  if (beta == 1) return (s.exp() * (s - t)).sum(-1);
  auto log_m = mixture_log_probs(s, t, beta);
  return beta * (t.exp() * (t - log_m)).sum(-1) + (1 - beta) * (s.exp() * (s - log_m)).sum(-1);
}

// d divergence / d student logits [n, V] (see the header: h - p sum(h), h = p * dD/dp).
torch::Tensor chunk_logit_gradient(const torch::Tensor& s, const torch::Tensor& t, double beta) {
  auto p = s.exp();
  if (beta == 0) return p - t.exp();
  // reverse KL: dD/dp = log p - log q (+1); general beta: dD/dp = (1 - beta)(log p - log m) (+ constants,
  // which the softmax's Jacobian removes).
  auto r = beta == 1 ? s - t : (1 - beta) * (s - mixture_log_probs(s, t, beta));
  auto h = p * r;
  return h - p * h.sum(-1, /*keepdim=*/true);
}

class ChunkedGeneralizedJsd : public torch::autograd::Function<ChunkedGeneralizedJsd> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const torch::Tensor& student_hidden,
                                                const torch::Tensor& student_weight,
                                                const torch::Tensor& teacher_hidden,
                                                const torch::Tensor& teacher_weight, double beta,
                                                int64_t chunk_tokens) {
    torch::NoGradGuard no_grad;
    const int64_t count = student_hidden.size(0);
    auto divergence = torch::empty({count}, student_hidden.options().dtype(torch::kFloat32));  // [N]
    for (int64_t start = 0; start < count; start += chunk_tokens) {
      const int64_t length = std::min(chunk_tokens, count - start);
      auto s = chunk_log_probs(student_hidden.narrow(0, start, length), student_weight);  // [n, V]
      auto t = chunk_log_probs(teacher_hidden.narrow(0, start, length), teacher_weight);  // [n, V]
      divergence.narrow(0, start, length).copy_(chunk_divergence(s, t, beta));
    }
    ctx->save_for_backward({student_hidden, student_weight, teacher_hidden, teacher_weight});
    ctx->saved_data["beta"] = beta;
    ctx->saved_data["chunk_tokens"] = chunk_tokens;
    // The backward pass rebuilds both log-probabilities in the forward's precision (mixed_precision.h), so
    // that its gradient is the forward's divergence's.
    ctx->saved_data["compute_dtype"] = static_cast<int64_t>(mixed_precision_dtype(student_hidden.device()));
    return {divergence};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    torch::NoGradGuard no_grad;
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& student_hidden = saved[0];  // [N, Ds]
    const torch::Tensor& student_weight = saved[1];  // [V, Ds]
    const torch::Tensor& teacher_hidden = saved[2];  // [N, Dt]
    const torch::Tensor& teacher_weight = saved[3];  // [V, Dt]
    const double beta = ctx->saved_data["beta"].toDouble();
    const int64_t chunk_tokens = ctx->saved_data["chunk_tokens"].toInt();
    const torch::Tensor& upstream = grads[0];  // [N]
    torch::autograd::variable_list result(6);
    if (!upstream.defined()) return result;
    const MixedPrecisionScope precision(
        student_hidden.device(), static_cast<torch::Dtype>(ctx->saved_data["compute_dtype"].toInt()), false);

    const auto weight_type = student_weight.scalar_type();
    auto grad_hidden = torch::empty_like(student_hidden);  // [N, Ds]
    auto grad_weight = torch::zeros(student_weight.sizes(), student_weight.options().dtype(torch::kFloat32));
    const int64_t count = student_hidden.size(0);
    for (int64_t start = 0; start < count; start += chunk_tokens) {
      const int64_t length = std::min(chunk_tokens, count - start);
      auto h = student_hidden.narrow(0, start, length);  // [n, Ds]
      auto s = chunk_log_probs(h, student_weight);
      auto t = chunk_log_probs(teacher_hidden.narrow(0, start, length), teacher_weight);
      auto grad_logits = chunk_logit_gradient(s, t, beta)
                             .mul_(upstream.narrow(0, start, length).to(torch::kFloat32).unsqueeze(1))
                             .to(weight_type);                                                  // [n, V]
      grad_hidden.narrow(0, start, length).copy_(torch::matmul(grad_logits, student_weight));   // [n, Ds]
      grad_weight.add_(torch::matmul(grad_logits.t(), h.to(weight_type)).to(torch::kFloat32));  // [V, Ds]
    }
    result[0] = grad_hidden;
    result[1] = grad_weight.to(weight_type);
    return result;
  }
};

}  // namespace

const torch::Tensor& output_head_weight(TransformerImpl& model) {
  return model.config().tie_word_embeddings ? model.model->embed_tokens->weight : model.lm_head->weight;
}

torch::Tensor generalized_jsd_rows(const torch::Tensor& student_hidden, const torch::Tensor& student_weight,
                                   const torch::Tensor& teacher_hidden, const torch::Tensor& teacher_weight,
                                   double beta, int64_t chunk_tokens) {
  if (!(beta >= 0 && beta <= 1)) fail("distill: --beta must be in [0, 1], got {}", beta);
  if (student_weight.size(0) != teacher_weight.size(0))
    fail(
        "distill: the student's vocabulary has {} tokens, the teacher's {}; token-level distillation needs "
        "the same vocabulary (use --mode sequence)",
        student_weight.size(0), teacher_weight.size(0));
  const int64_t chunk = chunk_tokens > 0 ? chunk_tokens : std::max<int64_t>(1, student_hidden.size(0));
  auto teacher_h = teacher_hidden.detach();
  auto teacher_w = teacher_weight.detach();
  if (torch::GradMode::is_enabled() && (student_hidden.requires_grad() || student_weight.requires_grad()))
    return ChunkedGeneralizedJsd::apply(student_hidden, student_weight, teacher_h, teacher_w, beta, chunk)[0];
  torch::NoGradGuard no_grad;
  auto divergence = torch::empty({student_hidden.size(0)}, student_hidden.options().dtype(torch::kFloat32));
  for (int64_t start = 0; start < student_hidden.size(0); start += chunk) {
    const int64_t length = std::min(chunk, student_hidden.size(0) - start);
    divergence.narrow(0, start, length)
        .copy_(chunk_divergence(chunk_log_probs(student_hidden.narrow(0, start, length), student_weight),
                                chunk_log_probs(teacher_h.narrow(0, start, length), teacher_w), beta));
  }
  return divergence;
}

torch::Tensor distillation_loss(TransformerImpl& student, const torch::Tensor& student_hidden,
                                TransformerImpl& teacher, const torch::Tensor& teacher_hidden,
                                const torch::Tensor& mask, double beta, int64_t chunk_tokens) {
  auto rows = mask.to(student_hidden.device(), torch::kBool).reshape({-1}).nonzero().squeeze(1);  // [N]
  auto pick = [&rows](const torch::Tensor& hidden) {  // [B, T, D] -> [N, D]
    return hidden.reshape({-1, hidden.size(2)}).index_select(0, rows.to(hidden.device()));
  };
  auto teacher_rows = pick(teacher_hidden).to(student_hidden.device());
  auto divergence = generalized_jsd_rows(pick(student_hidden), output_head_weight(student), teacher_rows,
                                         output_head_weight(teacher).to(student_hidden.device()), beta,
                                         chunk_tokens);  // [N]
  return divergence.sum() / static_cast<double>(std::max<int64_t>(1, rows.size(0)));
}

}  // namespace grpo
