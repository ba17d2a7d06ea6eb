// The CUDA paths against the CPU: the same weights give the same logits, greedy rollouts and log-prob
// gradients on both devices, and bfloat16 on the GPU stays close to float32. Every test skips without CUDA
// (this suite runs on the GPU machine through scripts/device_check.sh; ctest -L cuda).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "model/device_memory.h"
#include "model/mixed_precision.h"
#include "model/transformer.h"
#include "rollout/engine.h"

namespace grpo {
namespace {

// The device under test: CUDA. GRPO_CUDA_TEST_DEVICE=cpu runs the same comparisons CPU against CPU, a check
// of the tests themselves on a machine without a GPU (they are skipped there otherwise).
torch::Device device_under_test() {
  const char* forced = std::getenv("GRPO_CUDA_TEST_DEVICE");
  return forced != nullptr && std::string(forced) == "cpu" ? torch::Device(torch::kCPU)
                                                           : torch::Device(torch::kCUDA);
}

#define SKIP_WITHOUT_CUDA()                                          \
  if (device_under_test().is_cuda() && !torch::cuda::is_available()) \
  GTEST_SKIP() << "no CUDA device (this LibTorch build or this machine)"

ModelConfig config_of(const std::string& model_type) {
  ModelConfig config;
  config.model_type = model_type;
  config.vocab_size = 96;
  config.hidden_size = 64;
  config.intermediate_size = 96;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.max_position_embeddings = 128;
  config.eos_token_id = 2;
  if (model_type == "qwen3") config.head_dim = 32;
  return config;
}

Transformer random_model(const ModelConfig& config) {
  Transformer model(config);
  initialize_weights(*model, 7, 0.2);
  model->eval();
  return model;
}

// A copy of `model` on `device` in `dtype`, through the parameters (as a loaded checkpoint would be).
Transformer copy_to(const Transformer& model, torch::Device device, torch::Dtype dtype) {
  Transformer copy(model->config());
  torch::NoGradGuard no_grad;
  auto source = model->named_parameters();
  for (auto& parameter : copy->named_parameters()) parameter.value().copy_(source[parameter.key()]);
  copy->to(device, dtype);
  copy->eval();
  return copy;
}

torch::Tensor tokens() {  // [2, 10]
  return torch::tensor({1, 17, 4, 88, 23, 23, 0, 51, 9, 60, 5, 5, 72, 3, 41, 13, 80, 8, 19, 44}, torch::kLong)
      .view({2, 10});
}

torch::Tensor logits_of(Transformer& model, const torch::Tensor& ids) {  // [B, T, V] float64 on the CPU
  torch::NoGradGuard no_grad;
  auto positions = torch::arange(ids.size(1), torch::kLong).unsqueeze(0).expand_as(ids).contiguous();
  return model->forward(ids, positions, {}).to(torch::kCPU, torch::kFloat64);
}

class CudaModel : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaModel, Float32LogitsEqualTheCpu) {
  SKIP_WITHOUT_CUDA();
  auto cpu = random_model(config_of(GetParam()));
  auto gpu = copy_to(cpu, device_under_test(), torch::kFloat32);
  auto expected = logits_of(cpu, tokens());
  auto actual = logits_of(gpu, tokens().to(device_under_test()));
  EXPECT_LT((actual - expected).abs().max().item<double>(), 1e-4);
  EXPECT_GT(expected.abs().max().item<double>(), 0.1) << "logits this small would prove nothing";
}

TEST_P(CudaModel, BFloat16LogitsStayCloseToFloat32) {
  SKIP_WITHOUT_CUDA();
  auto cpu = random_model(config_of(GetParam()));
  auto gpu = copy_to(cpu, device_under_test(), torch::kBFloat16);
  auto expected = logits_of(cpu, tokens());
  auto actual = logits_of(gpu, tokens().to(device_under_test()));
  const double scale = expected.abs().max().item<double>();
  // bfloat16 keeps 8 bits of mantissa: a few percent of the logits' range after two layers.
  EXPECT_LT((actual - expected).abs().max().item<double>(), 0.05 * scale);
  // And the greedy choice agrees at most positions.
  const double agreement =
      actual.argmax(-1).eq(expected.argmax(-1)).to(torch::kFloat64).mean().item<double>();
  EXPECT_GE(agreement, 0.9);
}

// --bf16 on this device: float32 weights, autocast's bf16 products (model/mixed_precision.h), bf16 rollouts
// with a bf16 KV cache, float32 log-probs and gradients.
TEST_P(CudaModel, MixedPrecisionForwardRolloutAndGradientsRun) {
  SKIP_WITHOUT_CUDA();
  auto cpu = random_model(config_of(GetParam()));
  auto gpu = copy_to(cpu, device_under_test(), torch::kFloat32);
  auto expected = logits_of(cpu, tokens());
  torch::Tensor actual;
  {
    const MixedPrecisionScope precision(device_under_test(), torch::kBFloat16, false);
    actual = logits_of(gpu, tokens().to(device_under_test()));
  }
  const double scale = expected.abs().max().item<double>();
  EXPECT_LT((actual - expected).abs().max().item<double>(), 0.05 * scale);
  EXPECT_GT((actual - expected).abs().max().item<double>(), 1e-6 * scale) << "autocast was not in force";

  RolloutEngine engine(gpu, nullptr);
  GenerationOptions options;
  options.max_new_tokens = 12;
  options.num_samples = 2;
  GenerationResult result;
  {
    const MixedPrecisionScope precision(device_under_test(), torch::kBFloat16, true);
    result = engine.generate({{1, 5, 9}, {1, 7, 3, 8}}, options);
  }
  ASSERT_EQ(result.completions.size(), 4u);
  for (const auto& completion : result.completions) {
    ASSERT_EQ(completion.logprobs.size(), completion.token_ids.size());
    for (float logprob : completion.logprobs) EXPECT_TRUE(std::isfinite(logprob) && logprob <= 0);
  }

  gpu->train();
  auto ids = tokens().to(device_under_test());
  auto positions =
      torch::arange(ids.size(1), torch::kLong).unsqueeze(0).expand_as(ids).contiguous().to(ids.device());
  torch::Tensor logprobs;
  {
    const MixedPrecisionScope precision(device_under_test(), torch::kBFloat16, false);
    auto hidden = gpu->hidden_states(ids, positions, {});
    logprobs = token_logprobs(*gpu, hidden, torch::roll(ids, -1, 1), torch::ones_like(ids, torch::kBool), 1.0,
                              nullptr, 7);
  }
  EXPECT_EQ(logprobs.scalar_type(), torch::kFloat32);
  logprobs.sum().backward();
  for (const auto& parameter : gpu->parameters()) {
    ASSERT_TRUE(parameter.grad().defined());
    EXPECT_EQ(parameter.grad().scalar_type(), torch::kFloat32);
    EXPECT_TRUE(torch::isfinite(parameter.grad()).all().item<bool>());
  }
}

TEST_P(CudaModel, GreedyRolloutEqualsTheCpu) {
  SKIP_WITHOUT_CUDA();
  auto cpu = random_model(config_of(GetParam()));
  auto gpu = copy_to(cpu, device_under_test(), torch::kFloat32);
  GenerationOptions options;
  options.sampling.temperature = 0.0;
  options.max_new_tokens = 24;
  options.stop_at_eos = false;
  options.num_samples = 2;
  const std::vector<std::vector<int64_t>> prompts = {{1, 5, 9}, {1, 7, 3, 8, 8, 4, 20}, {1}};
  auto on_cpu = RolloutEngine(cpu, nullptr).generate(prompts, options);
  auto on_gpu = RolloutEngine(gpu, nullptr).generate(prompts, options);
  ASSERT_EQ(on_gpu.completions.size(), on_cpu.completions.size());
  for (size_t i = 0; i < on_cpu.completions.size(); ++i) {
    EXPECT_EQ(on_gpu.completions[i].token_ids, on_cpu.completions[i].token_ids) << "completion " << i;
    ASSERT_EQ(on_gpu.completions[i].logprobs.size(), on_cpu.completions[i].logprobs.size());
    for (size_t t = 0; t < on_cpu.completions[i].logprobs.size(); ++t) {
      EXPECT_NEAR(on_gpu.completions[i].logprobs[t], on_cpu.completions[i].logprobs[t], 1e-4);
    }
  }
}

TEST_P(CudaModel, LogProbGradientsEqualTheCpu) {
  SKIP_WITHOUT_CUDA();
  auto cpu = random_model(config_of(GetParam()));
  auto gpu = copy_to(cpu, device_under_test(), torch::kFloat32);
  cpu->train();
  gpu->train();
  auto gradients = [](Transformer& model) {
    auto device = model->device();
    auto ids = tokens().to(device);
    auto positions =
        torch::arange(ids.size(1), torch::kLong).unsqueeze(0).expand_as(ids).contiguous().to(device);
    auto targets = torch::roll(ids, -1, 1);
    auto mask = torch::ones_like(ids, torch::kBool);
    mask.select(1, ids.size(1) - 1).fill_(false);
    auto hidden = model->hidden_states(ids, positions, {});  // [B, T, D]
    // Chunks of 7 rows: the custom autograd function recomputes per chunk on this device too.
    auto logprobs = token_logprobs(*model, hidden, targets, mask, 1.0, nullptr, 7);  // [B, T]
    model->zero_grad();
    logprobs.sum().backward();
    std::map<std::string, torch::Tensor> result;
    for (const auto& parameter : model->named_parameters()) {
      result[parameter.key()] = parameter.value().grad().to(torch::kCPU, torch::kFloat64);
    }
    return result;
  };
  auto expected = gradients(cpu);
  auto actual = gradients(gpu);
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto& [name, gradient] : expected) {
    EXPECT_LT((actual.at(name) - gradient).abs().max().item<double>(), 1e-4) << name;
  }
}

// The trainer's memory/*_device_peak_mib metrics: the allocator's peak follows a 64 MiB tensor, and a reset
// brings it back below it once the tensor is gone.
TEST(CudaMemory, AllocatorPeakFollowsATensorAndResets) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device (this LibTorch build or this machine)";
  if (!device_memory_statistics_available()) {
    GTEST_SKIP()
        << "this build has no CUDA allocator statistics (CMake found no c10/cuda/CUDACachingAllocator.h)";
  }
  const torch::Device device(torch::kCUDA);
  reset_device_memory_peak(device);
  {
    torch::Tensor block = torch::ones({16, 1024, 1024}, torch::TensorOptions(torch::kFloat32).device(device));
    EXPECT_GE(device_memory_peak_mib(device), 64.0);
  }
  reset_device_memory_peak(device);
  EXPECT_LT(device_memory_peak_mib(device), 64.0);
  EXPECT_GE(device_memory_peak_mib(device), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Families, CudaModel, ::testing::Values("llama", "qwen2", "qwen3"));

}  // namespace
}  // namespace grpo
