// The whole policy update against the independent PyTorch reference (scripts/reference/policy_update.py,
// float64), llm.c style: for every loss type x importance level x mu in {1, 2} x minibatches in {1, 2} x beta
// in {0, 0.04} (with a reference model reset to the policy after each update: ref_model_sync_steps = 1) x one
// or several micro-batches (those also with the logits in chunks of 5 rows, so token_logprobs' own backward
// is checked chunk by chunk), two successive updates from the same weights; every optimiser step's loss and
// the gradient of every parameter (before clipping) agree to 1e-5, and every weight at the end to 1e-4 (see
// kWeightTolerance). One Python run computes the 64 distinct cases.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "model/model_dir.h"
#include "model/safetensors.h"
#include "test_support.h"
#include "trainer/optimizer.h"
#include "trainer/policy_update.h"
#include "update_fixture.h"

namespace grpo {
namespace {

using nlohmann::json;

constexpr int64_t kUpdates = 2;
constexpr double kTolerance = 1e-5;  // losses and gradients
// Final weights: AdamW divides each update by the gradient's own running size, so a weight whose gradient is
// near zero moves by up to lr on float32 rounding alone (seen: 4.7e-5 on one element while every gradient
// agreed to 1.3e-6). 5% of the learning rate, against weights that move by ~1e-2.
constexpr double kWeightTolerance = 1e-4;
const AdamWSettings kAdamW{2e-3, 0.9, 0.999, 1e-8, 0.1};
constexpr double kMaxGradNorm = 0.6;
constexpr uint64_t kSeed = 17;
constexpr int64_t kSmallLogitsChunk = 5;  // rows of logits at once in the micro-batch cases (0 in the others)

struct Case {
  std::string name;  // without the micro-batch split, which must not change the result: the reference's case
  std::string loss_type, importance_level;
  int64_t num_iterations, num_minibatches;
  double beta;
  int64_t micro_batch_tokens;  // 0: one micro-batch per minibatch
};

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const char* loss_type : {"grpo", "bnpo", "dapo", "dr_grpo"}) {
    for (const char* level : {"token", "sequence"}) {
      for (int64_t mu : {1, 2}) {
        for (int64_t minibatches : {1, 2}) {
          for (double beta : {0.0, 0.04}) {
            for (int64_t micro : {0, 24}) {
              std::string name =
                  fmt::format("{}_{}_mu{}_mb{}_beta{}", loss_type, level, mu, minibatches, beta);
              cases.push_back({name, loss_type, level, mu, minibatches, beta, micro});
            }
          }
        }
      }
    }
  }
  return cases;
}

json sequences_json(const std::vector<TrainingSequence>& sequences) {
  json rows = json::array();
  for (const auto& s : sequences) {
    rows.push_back({{"prompt", s.prompt_ids},
                    {"completion", s.completion_ids},
                    {"advantage", s.advantage},
                    {"loss_masked", s.loss_masked},
                    {"old_logprobs", s.old_logprobs}});
  }
  return rows;
}

// The C++ side of one case: kUpdates updates, recording what the reference records.
TensorMap run_case(const Case& c, const std::filesystem::path& model_dir) {
  auto policy = load_model(model_dir);
  auto reference = c.beta > 0 ? load_model(model_dir) : Transformer(nullptr);
  auto sequences = testing::update_sequences(*policy);  // the same sequences and old log-probs as written
  auto optimizer = make_adamw(*policy, kAdamW);
  PolicyUpdateSettings settings;
  settings.loss.loss_type = parse_loss_type(c.loss_type);
  settings.loss.importance_level = parse_importance_level(c.importance_level);
  settings.loss.epsilon = 0.2;
  settings.loss.epsilon_high = 0.28;
  settings.loss.beta = c.beta;
  settings.loss.max_completion_length = testing::kUpdateMaxCompletionLength;
  settings.temperature = testing::kUpdateTemperature;
  settings.num_iterations = c.num_iterations;
  settings.num_minibatches = c.num_minibatches;
  settings.micro_batch_tokens = c.micro_batch_tokens;
  settings.logits_chunk_tokens = c.micro_batch_tokens > 0 ? kSmallLogitsChunk : 0;
  settings.max_grad_norm = kMaxGradNorm;
  settings.shuffle_seed = kSeed;
  const bool reuse = c.num_iterations > 1 || c.num_minibatches > 1;

  TensorMap out;
  std::vector<double> losses;
  auto observer = [&](const MinibatchReport& report) {
    for (const auto& item : policy->named_parameters()) {
      out[fmt::format("step{}/{}", losses.size(), item.key())] = item.value().grad().clone();
    }
    losses.push_back(report.loss);
  };
  std::vector<double> norms;
  for (int64_t update = 0; update < kUpdates; ++update) {
    if (c.beta > 0) {
      compute_completion_logprobs(*reference, sequences, c.micro_batch_tokens, settings.temperature,
                                  &TrainingSequence::ref_logprobs, settings.logits_chunk_tokens);
    }
    update_policy(*policy, *optimizer, sequences, settings, update, reuse, observer);
    if (c.beta > 0) {  // ref_model_sync_steps = 1
      torch::NoGradGuard no_grad;
      auto source = policy->named_parameters();
      for (auto& item : reference->named_parameters()) item.value().copy_(source[item.key()]);
    }
  }
  out["loss"] = torch::tensor(losses, torch::kDouble);
  for (const auto& item : policy->named_parameters())
    out["final/" + item.key()] = item.value().detach().clone();
  return out;
}

TEST(PolicyUpdateReference, EveryCaseMatchesThePyTorchReference) {
  const std::string python = grpo::testing::python_with_torch();
  if (python.empty()) {
    GTEST_SKIP() << "no Python with torch at " << GRPO_PYTHON
                 << " (install Debian's python3-torch: scripts/setup.sh); the reference check of the update "
                    "is skipped";
  }
  grpo::testing::TempDir dir;
  auto model = testing::update_model();
  save_model(*model, dir / "model");
  const auto cases = all_cases();
  json spec;
  spec["model_dir"] = (dir / "model").string();
  spec["settings"] = {{"temperature", testing::kUpdateTemperature},
                      {"epsilon", 0.2},
                      {"epsilon_high", 0.28},
                      {"max_completion_length", testing::kUpdateMaxCompletionLength},
                      {"learning_rate", kAdamW.learning_rate},
                      {"betas", {kAdamW.beta1, kAdamW.beta2}},
                      {"adam_eps", kAdamW.eps},
                      {"weight_decay", kAdamW.weight_decay},
                      {"max_grad_norm", kMaxGradNorm},
                      {"seed", kSeed},
                      {"updates", kUpdates},
                      {"ref_model_sync_steps", 1}};
  spec["sequences"] = sequences_json(testing::update_sequences(*load_model(dir / "model")));
  for (const auto& c : cases) {
    if (c.micro_batch_tokens > 0) continue;  // the reference has no micro-batches
    spec["cases"].push_back({{"name", c.name},
                             {"loss_type", c.loss_type},
                             {"importance_level", c.importance_level},
                             {"num_iterations", c.num_iterations},
                             {"num_minibatches", c.num_minibatches},
                             {"beta", c.beta}});
  }
  std::ofstream(dir / "input.json") << spec.dump();
  const auto script = grpo::testing::source_dir() / "scripts" / "reference" / "policy_update.py";
  auto result = grpo::testing::run_command(fmt::format("'{}' '{}' '{}' '{}'", python, script.string(),
                                                       (dir / "input.json").string(),
                                                       (dir / "reference.safetensors").string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto reference_file = read_safetensors(dir / "reference.safetensors").tensors;
  auto reference_of = [&](const std::string& key) {
    auto found = reference_file.find(key);
    if (found == reference_file.end()) {
      throw std::runtime_error("the reference has no " + key + " (" + std::to_string(reference_file.size()) +
                               " tensors, the first " + reference_file.begin()->first + ")");
    }
    return found->second;
  };

  double worst_loss = 0, worst_gradient = 0, worst_weight = 0, largest_move = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name + (c.micro_batch_tokens > 0 ? " in micro-batches" : " in one micro-batch"));
    const TensorMap ours = run_case(c, dir / "model");
    const auto reference_losses = reference_of(c.name + "/loss");
    ASSERT_EQ(reference_losses.numel(), ours.at("loss").numel()) << "optimiser steps";
    worst_loss = std::max(worst_loss, (ours.at("loss") - reference_losses).abs().max().item<double>());
    for (const auto& [key, tensor] : ours) {
      if (key == "loss") continue;
      const auto expected = reference_of(c.name + "/" + key);
      const double difference = (tensor.to(torch::kDouble) - expected).abs().max().item<double>();
      const bool weight = key.rfind("final/", 0) == 0;
      EXPECT_LT(difference, weight ? kWeightTolerance : kTolerance) << key;
      if (!weight) {
        worst_gradient = std::max(worst_gradient, difference);
      } else {
        worst_weight = std::max(worst_weight, difference);
        const auto start = model->named_parameters()[key.substr(6)].to(torch::kDouble);
        largest_move = std::max(largest_move, (expected - start).abs().max().item<double>());
      }
    }
  }
  EXPECT_LT(worst_loss, kTolerance);
  EXPECT_GT(largest_move, 1e-3) << "weights that barely move would make the comparison meaningless";
  std::cout << fmt::format(
      "{} cases: largest difference: loss {:.2e}, gradient {:.2e}, weight {:.2e} (weights moved "
      "up to {:.2e})\n",
      cases.size(), worst_loss, worst_gradient, worst_weight, largest_move);
}

}  // namespace
}  // namespace grpo
