// Token-level distillation's loss: forward KL, reverse KL and the generalised JSD against hand values; the
// chunked autograd function's gradient against central finite differences and against plain autograd over
// the whole [N, V] logits; a teacher with another vocabulary is refused, naming the remedy.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>

#include "core/error.h"
#include "model/mixed_precision.h"
#include "model/model_dir.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"
#include "trainer/distill_loss.h"
#include "trainer/distill_objective.h"
#include "trainer/tiny_model.h"
#include "trainer/trainer_fixture.h"

namespace grpo {
namespace {

namespace F = torch::nn::functional;

// Rows of logits given directly: a head with the identity as its weight.
torch::Tensor rows_of(std::initializer_list<double> values) {
  return torch::tensor(std::vector<double>(values), torch::kFloat32).view({1, -1});
}

double divergence(const torch::Tensor& student_logits, const torch::Tensor& teacher_logits, double beta) {
  auto identity = torch::eye(student_logits.size(1));
  return generalized_jsd_rows(student_logits, identity, teacher_logits, identity, beta)[0].item<double>();
}

TEST(DistillLoss, MatchesHandValues) {
  // p = (1/3, 1/3, 1/3), q = (1/2, 1/4, 1/4)
  auto student = rows_of({0, 0, 0});
  auto teacher = rows_of({std::log(0.5), std::log(0.25), std::log(0.25)});
  // forward KL(q || p) = 1/2 ln(3/2) + 2 * 1/4 ln(3/4)
  const double forward = 0.5 * std::log(1.5) + 0.5 * std::log(0.75);
  // reverse KL(p || q) = 1/3 (ln(2/3) + 2 ln(4/3))
  const double reverse = (std::log(2.0 / 3) + 2 * std::log(4.0 / 3)) / 3;
  // beta = 1/2: m = (5/12, 7/24, 7/24); 1/2 KL(q || m) + 1/2 KL(p || m)
  const double m0 = 5.0 / 12, m1 = 7.0 / 24;
  const double jsd = 0.5 * (0.5 * std::log(0.5 / m0) + 0.5 * std::log(0.25 / m1)) +
                     0.5 * ((std::log((1.0 / 3) / m0) + 2 * std::log((1.0 / 3) / m1)) / 3);
  EXPECT_NEAR(forward, 0.0588915178, 1e-9);  // the same values from torch.nn.functional.kl_div in float64
  EXPECT_NEAR(reverse, 0.0566330123, 1e-9);
  EXPECT_NEAR(jsd, 0.0143625916, 1e-9);
  EXPECT_NEAR(divergence(student, teacher, 0.0), forward, 1e-6);
  EXPECT_NEAR(divergence(student, teacher, 1.0), reverse, 1e-6);
  EXPECT_NEAR(divergence(student, teacher, 0.5), jsd, 1e-6);
  // the same distributions: zero for every beta
  for (double beta : {0.0, 0.3, 1.0}) EXPECT_NEAR(divergence(teacher, teacher + 2.0, beta), 0.0, 1e-6);
}

// The whole [N, V] computation with plain autograd (TRL's generalized_jsd_loss, per row). Under a bf16 scope
// the products run in bf16 and their results are cast to float32 before the log-softmax, as grpo does.
torch::Tensor reference_log_probs(const torch::Tensor& hidden, const torch::Tensor& weight) {
  auto logits = F::linear(hidden, weight);
  if (logits.scalar_type() == torch::kBFloat16) logits = logits.to(torch::kFloat32);
  return logits.log_softmax(-1);
}

torch::Tensor reference_rows(const torch::Tensor& hs, const torch::Tensor& ws, const torch::Tensor& ht,
                             const torch::Tensor& wt, double beta) {
  auto s = reference_log_probs(hs, ws);
  auto t = reference_log_probs(ht, wt);
  if (beta == 0) return (t.exp() * (t - s)).sum(-1);
  if (beta == 1) return (s.exp() * (s - t)).sum(-1);
  auto m = torch::logsumexp(torch::stack({s + std::log(1 - beta), t + std::log(beta)}), 0);
  return beta * (t.exp() * (t - m)).sum(-1) + (1 - beta) * (s.exp() * (s - m)).sum(-1);
}

TEST(DistillLoss, GradientMatchesFiniteDifferencesAndAutograd) {
  torch::manual_seed(7);
  const int64_t rows = 5, width = 4, teacher_width = 3, vocabulary = 7;
  auto teacher_hidden = torch::randn({rows, teacher_width});
  auto teacher_weight = torch::randn({vocabulary, teacher_width});
  auto coefficients = torch::randn({rows});  // an upstream gradient that is not all ones
  for (double beta : {0.0, 0.3, 1.0}) {
    SCOPED_TRACE("beta " + std::to_string(beta));
    auto hidden = torch::randn({rows, width}).requires_grad_();
    auto weight = torch::randn({vocabulary, width}).requires_grad_();
    // chunks of 2 rows: the backward pass recomputes three chunks
    auto objective = [&](const torch::Tensor& h, const torch::Tensor& w) {
      return (generalized_jsd_rows(h, w, teacher_hidden, teacher_weight, beta, 2) * coefficients).sum();
    };
    objective(hidden, weight).backward();

    auto reference_hidden = hidden.detach().to(torch::kFloat64).requires_grad_();
    auto reference_weight = weight.detach().to(torch::kFloat64).requires_grad_();
    auto reference = (reference_rows(reference_hidden, reference_weight, teacher_hidden.to(torch::kFloat64),
                                     teacher_weight.to(torch::kFloat64), beta) *
                      coefficients.to(torch::kFloat64))
                         .sum();
    reference.backward();
    EXPECT_NEAR(objective(hidden, weight).item<double>(), reference.item<double>(), 1e-5);
    EXPECT_TRUE(torch::allclose(hidden.grad().to(torch::kFloat64), reference_hidden.grad(), 1e-4, 1e-5));
    EXPECT_TRUE(torch::allclose(weight.grad().to(torch::kFloat64), reference_weight.grad(), 1e-4, 1e-5));

    // central differences on every entry of the hidden states and a few of the weight
    torch::NoGradGuard no_grad;
    const double step = 1e-2;
    auto check = [&](torch::Tensor& tensor, const torch::Tensor& gradient, int64_t index) {
      auto flat = tensor.view({-1});
      const float saved = flat[index].item<float>();
      flat[index] = saved + step;
      const double up = objective(hidden, weight).item<double>();
      flat[index] = saved - step;
      const double down = objective(hidden, weight).item<double>();
      flat[index] = saved;
      const double numeric = (up - down) / (2 * step);
      EXPECT_NEAR(gradient.view({-1})[index].item<double>(), numeric, 2e-3 + 2e-3 * std::abs(numeric))
          << "entry " << index;
    };
    auto hidden_data = hidden.detach();
    auto weight_data = weight.detach();
    const auto hidden_grad = hidden.grad().clone(), weight_grad = weight.grad().clone();
    for (int64_t i = 0; i < hidden_data.numel(); ++i) check(hidden_data, hidden_grad, i);
    for (int64_t i = 0; i < weight_data.numel(); i += 5) check(weight_data, weight_grad, i);
  }
}

// grpo distill --bf16: the forward runs in a bf16 scope and the backward outside it (as in the trainer); the
// chunked backward must rebuild the log-probabilities in bf16 too, giving autograd's gradient through the
// same bf16 forward (measured: 0 and 0.18% of the largest entry; a float32 rebuild is 1.8% and 2.4% off).
TEST(DistillLoss, Bf16BackwardRebuildsInTheForwardsPrecision) {
  torch::manual_seed(11);
  const int64_t rows = 6, width = 16, vocabulary = 40;
  auto teacher_hidden = torch::randn({rows, width}), teacher_weight = torch::randn({vocabulary, width});
  auto coefficients = torch::randn({rows});
  auto hidden = torch::randn({rows, width}).requires_grad_();
  auto weight = torch::randn({vocabulary, width}).requires_grad_();
  auto reference_hidden = hidden.detach().clone().requires_grad_();
  auto reference_weight = weight.detach().clone().requires_grad_();
  torch::Tensor chunked, reference;
  {
    const MixedPrecisionScope precision(torch::kCPU, torch::kBFloat16, false);
    chunked =
        (generalized_jsd_rows(hidden, weight, teacher_hidden, teacher_weight, 0.5, 4) * coefficients).sum();
    reference = (reference_rows(reference_hidden, reference_weight, teacher_hidden, teacher_weight, 0.5) *
                 coefficients)
                    .sum();
  }
  chunked.backward();
  reference.backward();
  EXPECT_NEAR(chunked.item<double>(), reference.item<double>(),
              1e-4 + 1e-4 * std::abs(reference.item<double>()));
  auto relative = [](const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
  };
  const double hidden_difference = relative(hidden.grad(), reference_hidden.grad());
  const double weight_difference = relative(weight.grad(), reference_weight.grad());
  RecordProperty("bf16_hidden_gradient_relative_difference", std::to_string(hidden_difference));
  RecordProperty("bf16_weight_gradient_relative_difference", std::to_string(weight_difference));
  EXPECT_LT(hidden_difference, 5e-3);
  EXPECT_LT(weight_difference, 5e-3);
}

TEST(DistillLoss, ChunkingDoesNotChangeTheValue) {
  torch::manual_seed(3);
  auto hs = torch::randn({9, 4}), ws = torch::randn({11, 4}), ht = torch::randn({9, 5}),
       wt = torch::randn({11, 5});
  auto whole = generalized_jsd_rows(hs, ws, ht, wt, 0.5, 0);
  auto chunked = generalized_jsd_rows(hs, ws, ht, wt, 0.5, 4);
  EXPECT_TRUE(torch::allclose(whole, chunked, 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(whole, reference_rows(hs, ws, ht, wt, 0.5), 1e-5, 1e-6));
}

TEST(DistillVocabulary, AnotherTokenizerIsRefusedNamingTheRemedy) {
  testing::TempDir dir;
  testing::TinyModelOptions other;
  other.name = "other";
  other.vocab_size = 290;
  const auto student_dir = testing::make_model_dir(dir);
  const auto teacher_dir = testing::make_tiny_model_dir(dir, other);
  auto student = load_model(student_dir), teacher = load_model(teacher_dir);
  auto student_tokenizer = load_tokenizer(student_dir), teacher_tokenizer = load_tokenizer(teacher_dir);
  try {
    check_same_vocabulary(teacher->config(), *teacher_tokenizer, "T", student->config(), *student_tokenizer,
                          "S");
    FAIL() << "a different vocabulary was accepted";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("the teacher T has a vocabulary of 290 tokens"), std::string::npos) << message;
    EXPECT_NE(message.find("use --mode sequence"), std::string::npos) << message;
  }
  EXPECT_NO_THROW(check_same_vocabulary(student->config(), *student_tokenizer, "S", student->config(),
                                        *student_tokenizer, "S"));
  // the rows' function refuses heads of different sizes too
  EXPECT_THROW(generalized_jsd_rows(torch::zeros({1, 2}), torch::zeros({3, 2}), torch::zeros({1, 2}),
                                    torch::zeros({4, 2}), 0.5),
               Error);
}

}  // namespace
}  // namespace grpo
