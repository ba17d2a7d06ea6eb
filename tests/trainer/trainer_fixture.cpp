#include "trainer/trainer_fixture.h"

#include <fstream>

#include "model/model_dir.h"
#include "rewards/reward_registry.h"
#include "tokenizer/train_sentencepiece.h"
#include "trainer/tiny_model.h"

namespace grpo::testing {

namespace fs = std::filesystem;

namespace {

// Reward: 1 when the completion's first token is in the "preferred" tenth of the vocabulary (id % 10 == 0).
class PreferredFirstToken : public RewardFunction {
 public:
  std::string name() const override { return "preferred_first_token"; }
  std::vector<RewardResult> score(const std::vector<RewardInput>& batch) override {
    std::vector<RewardResult> results;
    for (const auto& input : batch) {
      bool hit = !input.completion_ids.empty() && input.completion_ids.front() % 10 == 0;
      results.push_back({hit ? 1.0 : 0.0, hit ? "" : "first token not preferred"});
    }
    return results;
  }
};

}  // namespace

// A model directory: tokenizer trained on generated text, tiny random Llama.
fs::path make_model_dir(const TempDir& dir) {
  return make_tiny_model_dir(dir, {});
}

fs::path make_tiny_model_dir(const TempDir& dir, const TinyModelOptions& model_options) {
  static bool registered = [] {
    register_reward("preferred_first_token", [](const std::string&, const RewardOptions&) {
      return std::make_unique<PreferredFirstToken>();
    });
    return true;
  }();
  (void)registered;
  fs::path corpus = dir / "corpus.txt";
  {
    std::ofstream out(corpus);
    const char* words[] = {"red",  "blue", "green", "stack", "box", "top",
                           "move", "the",  "is",    "on",    "put", "swap"};
    for (int i = 0; i < 400; ++i) {
      for (int j = 0; j < 8; ++j) out << words[(i * 7 + j * 3) % 12] << (j == 7 ? "\n" : " ");
    }
  }
  fs::path model_dir = dir / model_options.name;
  SentencePieceTrainOptions options;
  options.text_files = {corpus};
  options.output = model_dir / "tokenizer.model";
  options.vocab_size = model_options.vocab_size;
  options.threads = 1;
  auto tokenizer = train_sentencepiece(options);
  ModelConfig config;
  config.vocab_size = tokenizer->vocab_size();
  config.hidden_size = model_options.hidden_size;
  config.intermediate_size = 64;
  config.num_hidden_layers = 2;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.max_position_embeddings = 128;
  config.bos_token_id = tokenizer->bos_id();
  config.eos_token_id = tokenizer->eos_id();
  Transformer model(config);
  initialize_weights(*model, model_options.seed);
  save_model(*model, model_dir);
  return model_dir;
}

fs::path make_data(const TempDir& dir) {
  fs::path data = dir / "questions.jsonl";
  std::ofstream out(data);
  for (int i = 0; i < 64; ++i)
    out << "{\"question\": \"put the red box on top " << i << "\", \"answer\": \"" << i << "\"}\n";
  return data;
}

TrainerConfig base_config(const fs::path& model, const fs::path& data, const fs::path& run) {
  TrainerConfig config;
  config.model = model.string();
  config.train_data = data.string();
  config.output_dir = run.string();
  config.eval_size = 0;
  config.prompt_template = "plain";
  config.rewards = {"preferred_first_token"};
  config.num_generations = 8;
  config.questions_per_step = 4;
  config.max_completion_length = 3;
  config.stop_strings = {};
  config.learning_rate = 3e-3;
  config.save_steps = 0;
  config.seed = 5;
  return config;
}

fs::path write_token_reward(const fs::path& dir) {
  const fs::path script = dir / "token_reward.py";
  write_text(script,
             "import json, sys\n"
             "for line in sys.stdin:\n"
             "    inputs = json.loads(line)['inputs']\n"
             "    scores = [(sum(i['completion_ids'][:2]) % 7) / 6.0 for i in inputs]\n"
             "    print(json.dumps({'scores': scores}), flush=True)\n");
  return script;
}

std::string token_reward_spec(const fs::path& dir) {
  return "cmd:python3 '" + (dir / "token_reward.py").string() + "'";
}

std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

}  // namespace grpo::testing
