// Fuzzing config.json reading (model/config.cpp): ModelConfig::load on mutated Qwen2 / Llama configs; what it
// accepts must survive to_json -> from_json unchanged.
#include "fuzz_driver.h"
#include "fuzz_file.h"
#include "model/config.h"

int main(int argc, char** argv) {
  grpo::fuzz::ScratchFile file("config.json");
  grpo::fuzz::Target target;
  target.name = "model_config";
  target.seeds = {
      R"({"model_type":"qwen2","vocab_size":151936,"hidden_size":896,"intermediate_size":4864,)"
      R"("num_hidden_layers":24,"num_attention_heads":14,"num_key_value_heads":2,"max_position_embeddings":32768,)"
      R"("rms_norm_eps":1e-06,"rope_theta":1000000.0,"tie_word_embeddings":true,"hidden_act":"silu",)"
      R"("bos_token_id":151643,"eos_token_id":151645,"torch_dtype":"bfloat16","rope_scaling":null,)"
      R"("use_sliding_window":false})",
      R"({"model_type":"llama","vocab_size":32000,"hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,)"
      R"("num_attention_heads":4,"num_key_value_heads":4,"head_dim":16,"attention_bias":true,)"
      R"("eos_token_id":[2,7,9],"pad_token_id":null,"dtype":"float32","rope_scaling":{"rope_type":"default"}})",
  };
  target.dictionary = {"\"model_type\"",
                       "\"qwen2\"",
                       "\"llama\"",
                       "\"vocab_size\"",
                       "\"hidden_size\"",
                       "\"num_attention_heads\"",
                       "\"num_key_value_heads\"",
                       "\"head_dim\"",
                       "\"eos_token_id\"",
                       "\"rope_scaling\"",
                       "\"rope_type\"",
                       "null",
                       "true",
                       "false",
                       "[",
                       "]",
                       "{",
                       "}",
                       ",",
                       ":",
                       "-1",
                       "0",
                       "1e400"};
  target.run = [&](const std::string& input) {
    const grpo::ModelConfig config = grpo::ModelConfig::load(file.write(input));
    const grpo::ModelConfig again = grpo::ModelConfig::from_json(config.to_json());
    if (again.to_json() != config.to_json())
      throw grpo::fuzz::Finding("to_json -> from_json changed the config");
  };
  return grpo::fuzz::run_main(argc, argv, target);
}
