// The machine's fp32 matmul speed at a model's shapes: per weight shape, and for the whole mix of weights one
// token's forward pass multiplies by (distinct matrices per layer, as the forward pass streams them).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "benchmarks/bench_timing.h"
#include "model/config.h"

namespace grpo::bench {

// One weight matrix of the forward pass: x [M, in] @ w [in, out], `count` times per token.
struct MatmulShape {
  std::string name;
  int64_t in = 0, out = 0, count = 0;
};

inline std::vector<MatmulShape> model_matmuls(const ModelConfig& config) {
  const int64_t d = config.hidden_size, f = config.intermediate_size, layers = config.num_hidden_layers;
  const int64_t q = config.num_attention_heads * config.resolved_head_dim();
  const int64_t kv = config.num_key_value_heads * config.resolved_head_dim();
  return {{"q_proj", d, q, layers},    {"k_proj", d, kv, layers},           {"v_proj", d, kv, layers},
          {"o_proj", q, d, layers},    {"gate_proj", d, f, layers},         {"up_proj", d, f, layers},
          {"down_proj", f, d, layers}, {"lm_head", d, config.vocab_size, 1}};
}

// GFLOP/s of the model's whole matmul mix at M = rows (torch::matmul, fp32).
inline double matmul_mix_gflops(const ModelConfig& config, int64_t rows, const torch::Device& device,
                                double seconds = 1.0) {
  c10::InferenceMode inference_mode;
  auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  std::vector<torch::Tensor> inputs, weights;  // [M, in], [in, out] per matmul of one forward pass
  double flops = 0.0;
  for (const auto& shape : model_matmuls(config)) {
    for (int64_t i = 0; i < shape.count; ++i) {
      inputs.push_back(torch::randn({rows, shape.in}, options));
      weights.push_back(torch::randn({shape.in, shape.out}, options) * 0.02);
      flops += 2.0 * static_cast<double>(rows * shape.in * shape.out);
    }
  }
  double per_call = best_seconds_per_call(device, seconds, [&] {
    for (size_t i = 0; i < inputs.size(); ++i) torch::matmul(inputs[i], weights[i]);
  });
  return flops / per_call / 1e9;
}

// GFLOP/s of [M, in] x [in, out] for single shapes (one weight, reused: cache-warm).
inline std::vector<std::pair<std::string, double>> matmul_shape_gflops(const ModelConfig& config,
                                                                       int64_t rows,
                                                                       const torch::Device& device,
                                                                       double seconds = 0.45) {
  c10::InferenceMode inference_mode;
  auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  const int64_t d = config.hidden_size, f = config.intermediate_size, v = config.vocab_size;
  std::vector<std::pair<int64_t, int64_t>> shapes = {{d, f}, {f, d}, {d, d}, {d, v}};
  std::vector<std::pair<std::string, double>> speeds;
  for (const auto& [in, out] : shapes) {
    auto x = torch::randn({rows, in}, options), w = torch::randn({in, out}, options);
    double per_call = best_seconds_per_call(device, seconds, [&] { torch::matmul(x, w); });
    speeds.emplace_back(std::to_string(in) + "x" + std::to_string(out),
                        2.0 * static_cast<double>(rows * in * out) / per_call / 1e9);
  }
  return speeds;
}

}  // namespace grpo::bench
