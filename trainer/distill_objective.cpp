#include "trainer/distill_objective.h"

#include <torch/torch.h>

#include <algorithm>

#include "core/clock.h"
#include "core/error.h"
#include "datasets/seeded_random.h"
#include "logs/metric_names.h"
#include "model/device.h"
#include "model/model_dir.h"
#include "trainer/distill_loss.h"
#include "trainer/sft_batch.h"

namespace grpo {

void DistillSettings::validate() const {
  if (teacher.empty()) fail("distill: --teacher is required (the model directory of the teacher)");
  if (!(lmbda >= 0 && lmbda <= 1)) fail("distill: --lmbda must be in [0, 1], got {}", lmbda);
  if (!(beta >= 0 && beta <= 1)) fail("distill: --beta must be in [0, 1], got {}", beta);
  if (generation.max_new_tokens < 1)
    fail("distill: --max-new-tokens must be >= 1, got {}", generation.max_new_tokens);
}

void check_same_vocabulary(const ModelConfig& teacher_config, const Tokenizer& teacher_tokenizer,
                           const std::string& teacher_name, const ModelConfig& student_config,
                           const Tokenizer& student_tokenizer, const std::string& student_name) {
  const char* remedy = "token-level distillation needs the same tokenizer; use --mode sequence instead";
  if (teacher_config.vocab_size != student_config.vocab_size ||
      teacher_tokenizer.vocab_size() != student_tokenizer.vocab_size())
    fail(
        "distill: the teacher {} has a vocabulary of {} tokens ({} in its tokenizer), the student {} of {} "
        "({}); {}",
        teacher_name, teacher_config.vocab_size, teacher_tokenizer.vocab_size(), student_name,
        student_config.vocab_size, student_tokenizer.vocab_size(), remedy);
  for (int64_t id = 0; id < teacher_tokenizer.vocab_size(); ++id) {
    const std::string teacher_piece = teacher_tokenizer.id_to_piece(id);
    const std::string student_piece = student_tokenizer.id_to_piece(id);
    if (teacher_piece != student_piece)
      fail("distill: token {} is '{}' for the teacher {} but '{}' for the student {}; {}", id, teacher_piece,
           teacher_name, student_piece, student_name, remedy);
  }
}

DistillObjective::DistillObjective(DistillSettings settings) : settings_(std::move(settings)) {
  settings_.validate();
}

DistillObjective::~DistillObjective() = default;

void DistillObjective::attach(Transformer model, const Tokenizer& tokenizer) {
  student_ = model;
  const torch::Device device = parse_device(settings_.device);
  auto teacher_tokenizer = load_tokenizer(settings_.teacher);
  teacher_ = load_model(settings_.teacher, device);
  check_same_vocabulary(teacher_->config(), *teacher_tokenizer, settings_.teacher, student_->config(),
                        tokenizer, settings_.student);
  teacher_->eval();
  for (auto& parameter : teacher_->parameters()) parameter.set_requires_grad(false);
  std::vector<int64_t> end_ids;
  if (!settings_.student.empty())
    end_ids = generation_eos_token_ids(settings_.student, student_->config().vocab_size);
  engine_ = std::make_unique<RolloutEngine>(student_, &tokenizer, end_ids);
  fmt::print(stderr,
             "distill: teacher {} ({:.2f}M parameters); loss {} (beta {}), on-policy share lmbda {}\n",
             settings_.teacher, static_cast<double>(teacher_->config().parameter_count()) / 1e6,
             settings_.beta == 0   ? "forward KL(teacher || student)"
             : settings_.beta == 1 ? "reverse KL(student || teacher)"
                                   : "generalised JSD",
             settings_.beta, settings_.lmbda);
}

bool DistillObjective::on_policy(int64_t step) const {
  if (settings_.lmbda >= 1) return true;
  if (settings_.lmbda <= 0) return false;
  constexpr int64_t kScale = 1000000;
  return SeededRandom::for_item(settings_.seed, "distill-on-policy", static_cast<uint64_t>(step))
      .chance(static_cast<int64_t>(settings_.lmbda * kScale), kScale);
}

std::vector<SftExample> DistillObjective::student_samples(const std::vector<const SftExample*>& examples,
                                                          int64_t step) {
  std::vector<std::vector<int64_t>> prompts;  // per example, the tokens before its first trained one
  for (const SftExample* example : examples) {
    const auto first = std::find(example->trained.begin(), example->trained.end(), uint8_t{1});
    const auto length = std::max<std::ptrdiff_t>(1, first - example->trained.begin());
    prompts.emplace_back(example->ids.begin(), example->ids.begin() + length);
  }
  GenerationOptions options = settings_.generation;
  options.num_samples = 1;
  options.seed = SeededRandom::for_item(settings_.seed, "distill-sample", static_cast<uint64_t>(step))
                     .uniform(0, int64_t{1} << 62);
  GenerationResult result;
  {
    torch::NoGradGuard no_grad;
    student_->eval();
    result = engine_->generate(prompts, options);
    student_->train();
  }
  std::vector<SftExample> samples;
  for (const Completion& completion : result.completions) {
    const auto& prompt = prompts[static_cast<size_t>(completion.prompt_index)];
    SftExample sample;
    sample.id = examples[static_cast<size_t>(completion.prompt_index)]->id + ":on-policy";
    sample.ids = prompt;
    sample.ids.insert(sample.ids.end(), completion.token_ids.begin(), completion.token_ids.end());
    sample.trained.assign(sample.ids.size(), 1);
    std::fill(sample.trained.begin(), sample.trained.begin() + static_cast<std::ptrdiff_t>(prompt.size()), 0);
    if (static_cast<int64_t>(sample.ids.size()) > settings_.max_length) {
      sample.ids.resize(static_cast<size_t>(settings_.max_length));
      sample.trained.resize(static_cast<size_t>(settings_.max_length));
    }
    samples.push_back(std::move(sample));
  }
  return samples;
}

SftLoss DistillObjective::loss(const std::vector<const SftExample*>& examples, int64_t step,
                               nlohmann::json& metrics) {
  namespace metric = logs::metric;
  const bool sampled = on_policy(step);
  std::vector<SftExample> samples;
  std::vector<const SftExample*> batch_examples = examples;
  if (sampled) {
    const double start = now_seconds();
    samples = student_samples(examples, step);
    batch_examples.clear();
    double tokens = 0;
    for (const SftExample& sample : samples) {
      batch_examples.push_back(&sample);
      tokens += static_cast<double>(sample.trained_count());
    }
    metrics[metric::kMeanLength] = tokens / static_cast<double>(std::max<size_t>(1, samples.size()));
    metrics[metric::kTimeRollout] = now_seconds() - start;
  }
  metrics["on_policy"] = sampled ? 1 : 0;
  const SftBatch batch = unpacked_batch(batch_examples);
  const torch::Device device = student_->device();
  auto inputs = batch.input_ids.to(device);          // [B, T]
  auto positions = batch.positions.to(device);       // [B, T]
  auto attention = batch.attention_mask.to(device);  // [B, T]
  torch::Tensor teacher_hidden;                      // [B, T, Dt]
  {
    torch::NoGradGuard no_grad;
    auto teacher_device = teacher_->device();
    teacher_hidden = teacher_->hidden_states(inputs.to(teacher_device), positions.to(teacher_device),
                                             attention.to(teacher_device));
  }
  auto student_hidden = student_->hidden_states(inputs, positions, attention);  // [B, T, Ds]
  SftLoss result;
  result.tokens = batch.trained_tokens;
  result.loss = distillation_loss(*student_, student_hidden, *teacher_, teacher_hidden,
                                  batch.loss_mask.to(device), settings_.beta, settings_.chunk_tokens);
  result.nll_sum = result.loss.detach() * static_cast<double>(result.tokens);
  return result;
}

}  // namespace grpo
