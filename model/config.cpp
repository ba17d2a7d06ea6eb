#include "model/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/error.h"
#include "core/files.h"
#include "model/tensor_layout.h"

namespace grpo {

namespace {

using nlohmann::json;

std::string join(const std::vector<std::string>& items) {
  std::string joined;
  for (const auto& item : items) joined += (joined.empty() ? "\"" : ", \"") + item + "\"";
  return joined;
}

// Reads an optional integer field; `fallback` when absent.
int64_t integer_field(const json& object, const std::string& source, const char* key, int64_t fallback) {
  auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_number_integer()) {
    fail("{}: field \"{}\" must be an integer, got {}; fix the file", source, key, it->dump());
  }
  return it->get<int64_t>();
}

int64_t required_integer(const json& object, const std::string& source, const char* key) {
  if (!object.contains(key)) {
    fail("{}: field \"{}\" is missing; a Llama / Qwen config.json states it (see `grpo init` for one)",
         source, key);
  }
  return integer_field(object, source, key, 0);
}

// A token id: an integer, or null / absent for "none" (-1).
int64_t token_id_field(const json& object, const std::string& source, const char* key, int64_t fallback) {
  auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (it->is_null()) return -1;
  return integer_field(object, source, key, fallback);
}

double number_field(const json& object, const std::string& source, const char* key, double fallback) {
  auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_number())
    fail("{}: field \"{}\" must be a number, got {}; fix the file", source, key, it->dump());
  return it->get<double>();
}

bool bool_field(const json& object, const std::string& source, const char* key, bool fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean())
    fail("{}: field \"{}\" must be true or false, got {}; fix the file", source, key, it->dump());
  return it->get<bool>();
}

std::string string_field(const json& object, const std::string& source, const char* key,
                         const std::string& fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_string())
    fail("{}: field \"{}\" must be a string, got {}; fix the file", source, key, it->dump());
  return it->get<std::string>();
}

const std::vector<std::string>& supported_dtypes() {
  static const std::vector<std::string> dtypes{"float32", "bfloat16", "float16"};
  return dtypes;
}

json token_id_json(int64_t id) {
  return id < 0 ? json(nullptr) : json(id);
}

// config.json's "rope_scaling" (or newer transformers' "rope_parameters", which also carries rope_theta).
// Hugging Face names the type "rope_type" (older files: "type"); "default" means none.
void read_rope_scaling(const json& object, const std::string& source, ModelConfig& config) {
  for (const char* key : {"rope_scaling", "rope_parameters"}) {
    auto rope = object.find(key);
    if (rope == object.end() || rope->is_null()) continue;
    if (!rope->is_object()) fail("{}: {} must be an object or null, got {}", source, key, rope->dump());
    const std::string type =
        string_field(*rope, source, "rope_type", string_field(*rope, source, "type", ""));
    config.rope_theta = number_field(*rope, source, "rope_theta", config.rope_theta);
    if (type == "default") continue;
    if (type != "linear" && type != "llama3") {
      fail("{}: {} {} is not supported: rope_type \"{}\" (supported: \"default\", \"linear\", \"llama3\")",
           source, key, rope->dump(), type);
    }
    RopeScaling& scaling = config.rope_scaling;
    scaling.type = type;
    if (!rope->contains("factor")) fail("{}: {} of type \"{}\" needs a \"factor\"", source, key, type);
    scaling.factor = number_field(*rope, source, "factor", scaling.factor);
    if (type == "llama3") {
      for (const char* field : {"low_freq_factor", "high_freq_factor", "original_max_position_embeddings"}) {
        if (!rope->contains(field)) {
          fail("{}: {} of type \"llama3\" needs \"{}\" (Llama 3.1 / 3.2 configs state it)", source, key,
               field);
        }
      }
      scaling.low_freq_factor = number_field(*rope, source, "low_freq_factor", scaling.low_freq_factor);
      scaling.high_freq_factor = number_field(*rope, source, "high_freq_factor", scaling.high_freq_factor);
      scaling.original_max_position_embeddings = integer_field(
          *rope, source, "original_max_position_embeddings", scaling.original_max_position_embeddings);
    }
  }
}

json rope_scaling_json(const RopeScaling& scaling) {
  if (scaling.type.empty()) return nullptr;
  json out = {{"rope_type", scaling.type}, {"factor", scaling.factor}};
  if (scaling.type == "llama3") {
    out["low_freq_factor"] = scaling.low_freq_factor;
    out["high_freq_factor"] = scaling.high_freq_factor;
    out["original_max_position_embeddings"] = scaling.original_max_position_embeddings;
  }
  return out;
}

std::vector<int64_t> integer_list_field(const json& object, const std::string& source, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  std::vector<int64_t> values;
  if (it->is_array()) {
    for (const auto& item : *it) {
      if (!item.is_number_integer()) break;
      values.push_back(item.get<int64_t>());
    }
    if (values.size() == it->size()) return values;
  }
  fail("{}: field \"{}\" must be a list of integers, got {}; fix the file", source, key, it->dump());
}

// The mixture-of-experts fields of a qwen2_moe / qwen3_moe / mixtral config.json (see MoeConfig).
void read_moe(const json& object, const std::string& source, ModelConfig& config) {
  MoeConfig& moe = config.moe;
  const bool mixtral = config.model_type == "mixtral";
  moe.num_experts = required_integer(object, source, mixtral ? "num_local_experts" : "num_experts");
  moe.num_experts_per_tok = required_integer(object, source, "num_experts_per_tok");
  moe.moe_intermediate_size =
      mixtral ? config.intermediate_size : required_integer(object, source, "moe_intermediate_size");
  if (config.model_type == "qwen2_moe") {
    moe.shared_expert_intermediate_size = required_integer(object, source, "shared_expert_intermediate_size");
    if (!bool_field(object, source, "qkv_bias", true))
      fail("{}: qkv_bias = false is not supported (Qwen2-MoE's attention has q/k/v biases)", source);
  }
  // Mixtral always renormalises the top-k weights and has every layer sparse.
  moe.norm_topk_prob = mixtral || bool_field(object, source, "norm_topk_prob", false);
  if (!mixtral) {
    moe.decoder_sparse_step = integer_field(object, source, "decoder_sparse_step", 1);
    moe.mlp_only_layers = integer_list_field(object, source, "mlp_only_layers");
  } else {
    if (number_field(object, source, "router_jitter_noise", 0.0) > 0)
      fail("{}: router_jitter_noise > 0 is not supported", source);
    auto window = object.find("sliding_window");
    if (window != object.end() && !window->is_null())
      fail("{}: sliding_window = {} is not supported (full attention only)", source, window->dump());
  }
  moe.router_aux_loss_coef = number_field(object, source, "router_aux_loss_coef", 0.001);
  moe.output_router_logits = bool_field(object, source, "output_router_logits", false);
  // DeepSeek-V3's routing fields, by its names.
  moe.n_shared_experts = object.contains("n_shared_experts") && !object["n_shared_experts"].is_null()
                             ? integer_field(object, source, "n_shared_experts", 0)
                             : 0;
  moe.first_k_dense_replace = integer_field(object, source, "first_k_dense_replace", 0);
  moe.scoring_func = string_field(object, source, "scoring_func", moe.scoring_func);
  moe.topk_method = string_field(object, source, "topk_method", moe.topk_method);
  moe.routed_scaling_factor =
      number_field(object, source, "routed_scaling_factor", moe.routed_scaling_factor);
  if (integer_field(object, source, "n_group", 1) > 1)
    fail("{}: n_group > 1 (DeepSeek-V3's group-limited routing) is not supported", source);
}

void write_moe(const ModelConfig& config, json& out) {
  const MoeConfig& moe = config.moe;
  if (config.model_type == "mixtral") {
    out["num_local_experts"] = moe.num_experts;
    out["router_jitter_noise"] = 0.0;
  } else {
    out["num_experts"] = moe.num_experts;
    out["moe_intermediate_size"] = moe.moe_intermediate_size;
    out["norm_topk_prob"] = moe.norm_topk_prob;
    out["decoder_sparse_step"] = moe.decoder_sparse_step;
    out["mlp_only_layers"] = moe.mlp_only_layers;
  }
  if (config.model_type == "qwen2_moe")
    out["shared_expert_intermediate_size"] = moe.shared_expert_intermediate_size;
  out["num_experts_per_tok"] = moe.num_experts_per_tok;
  out["router_aux_loss_coef"] = moe.router_aux_loss_coef;
  out["output_router_logits"] = moe.output_router_logits;
  // DeepSeek-V3's fields only where they differ from plain Qwen / Mixtral routing.
  if (moe.n_shared_experts > 0) out["n_shared_experts"] = moe.n_shared_experts;
  if (moe.first_k_dense_replace > 0) out["first_k_dense_replace"] = moe.first_k_dense_replace;
  if (moe.scoring_func != "softmax") out["scoring_func"] = moe.scoring_func;
  if (moe.topk_method != "greedy") out["topk_method"] = moe.topk_method;
  if (moe.routed_scaling_factor != 1.0) out["routed_scaling_factor"] = moe.routed_scaling_factor;
}

// The mixture-of-experts fields: present exactly on the MoE model types, and consistent.
void validate_moe(const ModelConfig& config) {
  const MoeConfig& moe = config.moe;
  const bool moe_type =
      config.model_type == "qwen2_moe" || config.model_type == "qwen3_moe" || config.model_type == "mixtral";
  if (!moe_type) {
    if (moe.num_experts != 0) {
      fail("num_experts = {} on model_type \"{}\": experts need qwen2_moe, qwen3_moe or mixtral",
           moe.num_experts, config.model_type);
    }
    return;
  }
  constexpr int64_t kMaxExperts = 65536;
  if (moe.num_experts <= 0 || moe.num_experts > kMaxExperts) {
    fail("config field num_experts = {} must be between 1 and {} for model_type \"{}\"", moe.num_experts,
         kMaxExperts, config.model_type);
  }
  if (moe.num_experts_per_tok <= 0 || moe.num_experts_per_tok > moe.num_experts) {
    fail("config field num_experts_per_tok = {} must be between 1 and num_experts = {}",
         moe.num_experts_per_tok, moe.num_experts);
  }
  if (moe.moe_intermediate_size <= 0)
    fail("config field moe_intermediate_size = {} must be positive", moe.moe_intermediate_size);
  if (config.model_type == "mixtral" && config.attention_bias)
    fail("mixtral has no attention biases; set attention_bias false");
  if (config.model_type == "mixtral" && moe.moe_intermediate_size != config.intermediate_size) {
    fail("mixtral: the experts' width is intermediate_size = {}, not {}", config.intermediate_size,
         moe.moe_intermediate_size);
  }
  if (moe.shared_expert_intermediate_size < 0 || moe.n_shared_experts < 0 || moe.first_k_dense_replace < 0) {
    fail(
        "config fields shared_expert_intermediate_size ({}), n_shared_experts ({}) and first_k_dense_replace "
        "({}) "
        "must not be negative",
        moe.shared_expert_intermediate_size, moe.n_shared_experts, moe.first_k_dense_replace);
  }
  if (moe.shared_expert_intermediate_size > 0 && config.model_type != "qwen2_moe") {
    fail(
        "shared_expert_intermediate_size = {} on model_type \"{}\": the gated shared expert is Qwen2-MoE's "
        "(use n_shared_experts for DeepSeek-V3's ungated ones)",
        moe.shared_expert_intermediate_size, config.model_type);
  }
  if (moe.decoder_sparse_step <= 0)
    fail("config field decoder_sparse_step = {} must be positive", moe.decoder_sparse_step);
  for (int64_t layer : moe.mlp_only_layers) {
    if (layer < 0 || layer >= config.num_hidden_layers) {
      fail("config field mlp_only_layers lists layer {}, outside 0..{}", layer, config.num_hidden_layers - 1);
    }
  }
  if (!(moe.router_aux_loss_coef >= 0))
    fail("config field router_aux_loss_coef = {} must not be negative", moe.router_aux_loss_coef);
  if (moe.scoring_func != "softmax" && moe.scoring_func != "sigmoid")
    fail("config field scoring_func = \"{}\" is not supported; use \"softmax\" or \"sigmoid\"",
         moe.scoring_func);
  if (moe.topk_method != "greedy" && moe.topk_method != "noaux_tc") {
    fail(
        "config field topk_method = \"{}\" is not supported; use \"greedy\" or \"noaux_tc\" (balancing bias)",
        moe.topk_method);
  }
  if (!(moe.routed_scaling_factor > 0))
    fail("config field routed_scaling_factor = {} must be positive", moe.routed_scaling_factor);
}

}  // namespace

bool RopeScaling::operator==(const RopeScaling& other) const {
  return type == other.type && factor == other.factor && low_freq_factor == other.low_freq_factor &&
         high_freq_factor == other.high_freq_factor &&
         original_max_position_embeddings == other.original_max_position_embeddings;
}

bool MoeConfig::operator==(const MoeConfig& other) const {
  return num_experts == other.num_experts && num_experts_per_tok == other.num_experts_per_tok &&
         moe_intermediate_size == other.moe_intermediate_size &&
         shared_expert_intermediate_size == other.shared_expert_intermediate_size &&
         n_shared_experts == other.n_shared_experts && norm_topk_prob == other.norm_topk_prob &&
         decoder_sparse_step == other.decoder_sparse_step && mlp_only_layers == other.mlp_only_layers &&
         first_k_dense_replace == other.first_k_dense_replace &&
         router_aux_loss_coef == other.router_aux_loss_coef &&
         output_router_logits == other.output_router_logits && scoring_func == other.scoring_func &&
         topk_method == other.topk_method && routed_scaling_factor == other.routed_scaling_factor;
}

const std::vector<std::string>& ModelConfig::supported_model_types() {
  static const std::vector<std::string> types{"llama", "qwen2", "qwen3", "qwen2_moe", "qwen3_moe", "mixtral"};
  return types;
}

bool ModelConfig::is_sparse_layer(int64_t layer) const {
  if (!is_moe() || layer < moe.first_k_dense_replace || moe.decoder_sparse_step <= 0) return false;
  if ((layer + 1) % moe.decoder_sparse_step != 0) return false;
  return std::find(moe.mlp_only_layers.begin(), moe.mlp_only_layers.end(), layer) ==
         moe.mlp_only_layers.end();
}

int64_t ModelConfig::sparse_layer_count() const {
  if (!is_moe() || moe.decoder_sparse_step <= 0) return 0;
  // Layers i in [first_k_dense_replace, L) with (i + 1) % step == 0, less those listed in mlp_only_layers.
  const int64_t step = moe.decoder_sparse_step, first = std::max<int64_t>(0, moe.first_k_dense_replace);
  int64_t count = first >= num_hidden_layers ? 0 : num_hidden_layers / step - first / step;
  std::vector<int64_t> listed = moe.mlp_only_layers;
  std::sort(listed.begin(), listed.end());
  listed.erase(std::unique(listed.begin(), listed.end()), listed.end());
  for (int64_t layer : listed) {
    if (layer >= first && layer < num_hidden_layers && (layer + 1) % step == 0) --count;
  }
  return count;
}

int64_t ModelConfig::parameter_count() const {
  int64_t total = 0;
  for (const auto& [name, shape] : global_tensor_shapes(*this))
    total = saturating_add(total, element_count(shape));
  const int64_t sparse_layers = sparse_layer_count();
  for (bool sparse : {false, true}) {
    const int64_t layers = sparse ? sparse_layers : num_hidden_layers - sparse_layers;
    if (layers <= 0) continue;
    int64_t layer = 0;
    for (const auto& [name, shape] : layer_shapes_of_kind(*this, sparse))
      layer = saturating_add(layer, element_count(shape));
    total = saturating_add(total, saturating_multiply(layers, layer));
  }
  return total;
}

int64_t ModelConfig::active_parameter_count() const {
  const int64_t idle_experts = moe.num_experts - moe.num_experts_per_tok;
  const int64_t per_expert = saturating_multiply(3 * hidden_size, moe.moe_intermediate_size);
  const int64_t idle =
      saturating_multiply(sparse_layer_count(), saturating_multiply(idle_experts, per_expert));
  return is_moe() ? parameter_count() - idle : parameter_count();
}

void ModelConfig::validate() const {
  const auto& types = supported_model_types();
  if (std::find(types.begin(), types.end(), model_type) == types.end()) {
    fail("model_type \"{}\" is not supported; supported model types: {}", model_type, join(types));
  }
  auto positive = [](const char* field, int64_t value) {
    if (value <= 0) fail("config field {} = {} must be positive", field, value);
  };
  positive("vocab_size", vocab_size);
  positive("hidden_size", hidden_size);
  positive("intermediate_size", intermediate_size);
  positive("num_hidden_layers", num_hidden_layers);
  positive("num_attention_heads", num_attention_heads);
  positive("num_key_value_heads", num_key_value_heads);
  positive("max_position_embeddings", max_position_embeddings);
  if (head_dim < 0)
    fail("config field head_dim = {} must be positive (or 0 for hidden_size / heads)", head_dim);
  if (head_dim == 0 && hidden_size % num_attention_heads != 0) {
    fail(
        "config field hidden_size = {} is not divisible by num_attention_heads = {}; choose sizes where it "
        "is "
        "(or set head_dim)",
        hidden_size, num_attention_heads);
  }
  if (resolved_head_dim() % 2 != 0) {
    fail("head dimension {} ({}) must be even for rotary embeddings", resolved_head_dim(),
         head_dim > 0
             ? "head_dim"
             : fmt::format("hidden_size {} / num_attention_heads {}", hidden_size, num_attention_heads));
  }
  if (num_attention_heads % num_key_value_heads != 0) {
    fail(
        "config field num_key_value_heads = {} does not divide num_attention_heads = {}; grouped-query "
        "attention "
        "needs heads to be a multiple of key/value heads",
        num_key_value_heads, num_attention_heads);
  }
  if (!(rms_norm_eps > 0)) fail("config field rms_norm_eps = {} must be positive", rms_norm_eps);
  if (!(rope_theta > 0)) fail("config field rope_theta = {} must be positive", rope_theta);
  if (!rope_scaling.type.empty()) {
    if (rope_scaling.type != "linear" && rope_scaling.type != "llama3") {
      fail("rope_scaling type \"{}\" is not supported; use \"linear\" or \"llama3\"", rope_scaling.type);
    }
    if (!(rope_scaling.factor > 0)) fail("rope_scaling factor = {} must be positive", rope_scaling.factor);
    if (rope_scaling.type == "llama3" && (!(rope_scaling.low_freq_factor > 0) ||
                                          !(rope_scaling.high_freq_factor > rope_scaling.low_freq_factor) ||
                                          rope_scaling.original_max_position_embeddings <= 0)) {
      fail(
          "rope_scaling llama3 needs 0 < low_freq_factor < high_freq_factor and a positive "
          "original_max_position_embeddings; got {}, {} and {}",
          rope_scaling.low_freq_factor, rope_scaling.high_freq_factor,
          rope_scaling.original_max_position_embeddings);
    }
  }
  validate_moe(*this);
  if (parameter_count() == std::numeric_limits<int64_t>::max()) {
    fail(
        "the sizes (vocab_size {}, hidden_size {}, intermediate_size {}, {} layers, head dim {}) imply more "
        "parameters than a 64-bit count holds; check config.json",
        vocab_size, hidden_size, intermediate_size, num_hidden_layers, resolved_head_dim());
  }
  const auto& dtypes = supported_dtypes();
  if (std::find(dtypes.begin(), dtypes.end(), torch_dtype) == dtypes.end()) {
    fail("config field torch_dtype = \"{}\" is not supported; use one of {}", torch_dtype, join(dtypes));
  }
  if (hidden_act != "silu") {
    fail("config field hidden_act = \"{}\" is not supported: Llama / Qwen models use \"silu\"", hidden_act);
  }
  auto token = [&](const char* field, int64_t id) {
    if (id < -1 || id >= vocab_size) {
      fail("config field {} = {} is outside the vocabulary (vocab_size {})", field, id, vocab_size);
    }
  };
  token("bos_token_id", bos_token_id);
  token("eos_token_id", eos_token_id);
  token("pad_token_id", pad_token_id);
  for (int64_t id : extra_eos_token_ids) token("eos_token_id", id);
}

ModelConfig ModelConfig::from_json(const nlohmann::json& object, const std::string& source) {
  if (!object.is_object()) fail("{}: expected a JSON object, got {}", source, object.type_name());
  ModelConfig config;
  auto type = object.find("model_type");
  if (type == object.end() || !type->is_string()) {
    fail("{}: field \"model_type\" is missing or not a string; supported model types: {}", source,
         join(supported_model_types()));
  }
  config.model_type = type->get<std::string>();
  const auto& types = supported_model_types();
  if (std::find(types.begin(), types.end(), config.model_type) == types.end()) {
    fail("{}: model_type \"{}\" is not supported; supported model types: {}", source, config.model_type,
         join(types));
  }

  config.vocab_size = required_integer(object, source, "vocab_size");
  config.hidden_size = required_integer(object, source, "hidden_size");
  config.intermediate_size = required_integer(object, source, "intermediate_size");
  config.num_hidden_layers = required_integer(object, source, "num_hidden_layers");
  config.num_attention_heads = required_integer(object, source, "num_attention_heads");
  // Hugging Face: absent (or null) key/value heads means plain multi-head attention.
  config.num_key_value_heads =
      object.contains("num_key_value_heads") && !object["num_key_value_heads"].is_null()
          ? integer_field(object, source, "num_key_value_heads", config.num_attention_heads)
          : config.num_attention_heads;
  config.head_dim = object.contains("head_dim") && !object["head_dim"].is_null()
                        ? integer_field(object, source, "head_dim", 0)
                        : 0;
  config.max_position_embeddings =
      integer_field(object, source, "max_position_embeddings", config.max_position_embeddings);
  config.rms_norm_eps = number_field(object, source, "rms_norm_eps", config.rms_norm_eps);
  config.rope_theta = number_field(object, source, "rope_theta", config.rope_theta);
  config.tie_word_embeddings = bool_field(object, source, "tie_word_embeddings", config.tie_word_embeddings);
  config.attention_bias = bool_field(object, source, "attention_bias", config.attention_bias);
  config.hidden_act = string_field(object, source, "hidden_act", config.hidden_act);
  // Newer transformers write "dtype"; older ones "torch_dtype".
  config.torch_dtype =
      string_field(object, source, "torch_dtype", string_field(object, source, "dtype", config.torch_dtype));

  config.bos_token_id = token_id_field(object, source, "bos_token_id", config.bos_token_id);
  config.pad_token_id = token_id_field(object, source, "pad_token_id", config.pad_token_id);
  auto eos = object.find("eos_token_id");
  if (eos != object.end() && eos->is_array()) {
    if (eos->empty()) fail("{}: field \"eos_token_id\" is an empty list; give at least one id", source);
    for (const auto& id : *eos) {
      if (!id.is_number_integer()) {
        fail("{}: field \"eos_token_id\" must hold integers, got {}; fix the file", source, eos->dump());
      }
    }
    config.eos_token_id = (*eos)[0].get<int64_t>();
    for (size_t i = 1; i < eos->size(); ++i) config.extra_eos_token_ids.push_back((*eos)[i].get<int64_t>());
  } else {
    config.eos_token_id = token_id_field(object, source, "eos_token_id", config.eos_token_id);
  }

  read_rope_scaling(object, source, config);
  // Features of the family that this implementation does not have: refuse rather than compute something else.
  if (bool_field(object, source, "use_sliding_window", false)) {
    fail("{}: use_sliding_window = true is not supported (full attention only)", source);
  }
  if (bool_field(object, source, "mlp_bias", false)) fail("{}: mlp_bias = true is not supported", source);
  if (config.model_type == "qwen2_moe" || config.model_type == "qwen3_moe" ||
      config.model_type == "mixtral") {
    read_moe(object, source, config);
  }

  try {
    config.validate();
  } catch (const Error& e) {
    fail("{}: {}", source, e.what());
  }
  return config;
}

nlohmann::json ModelConfig::to_json() const {
  json out;
  const bool qwen = model_type == "qwen2" || model_type == "qwen3" || model_type == "qwen2_moe" ||
                    model_type == "qwen3_moe";
  const bool qwen3_attention = model_type == "qwen3" || model_type == "qwen3_moe";
  const char* architecture = model_type == "qwen3"       ? "Qwen3ForCausalLM"
                             : model_type == "qwen2"     ? "Qwen2ForCausalLM"
                             : model_type == "qwen2_moe" ? "Qwen2MoeForCausalLM"
                             : model_type == "qwen3_moe" ? "Qwen3MoeForCausalLM"
                             : model_type == "mixtral"   ? "MixtralForCausalLM"
                                                         : "LlamaForCausalLM";
  out["architectures"] = json::array({architecture});
  out["model_type"] = model_type;
  out["vocab_size"] = vocab_size;
  out["hidden_size"] = hidden_size;
  out["intermediate_size"] = intermediate_size;
  out["num_hidden_layers"] = num_hidden_layers;
  out["num_attention_heads"] = num_attention_heads;
  out["num_key_value_heads"] = num_key_value_heads;
  if (head_dim > 0) out["head_dim"] = head_dim;
  out["max_position_embeddings"] = max_position_embeddings;
  out["rms_norm_eps"] = rms_norm_eps;
  out["rope_theta"] = rope_theta;
  out["rope_scaling"] = rope_scaling_json(rope_scaling);
  out["hidden_act"] = hidden_act;
  out["tie_word_embeddings"] = tie_word_embeddings;
  out["bos_token_id"] = token_id_json(bos_token_id);
  if (extra_eos_token_ids.empty()) {
    out["eos_token_id"] = token_id_json(eos_token_id);
  } else {
    json ids = json::array({eos_token_id});
    for (int64_t id : extra_eos_token_ids) ids.push_back(id);
    out["eos_token_id"] = ids;
  }
  out["pad_token_id"] = token_id_json(pad_token_id);
  out["torch_dtype"] = torch_dtype;
  out["initializer_range"] = 0.02;
  out["use_cache"] = true;
  out["attention_dropout"] = 0.0;
  if (qwen) {
    // Qwen2 always has q/k/v biases; these keys are what Qwen2.5 / Qwen3 checkpoints carry.
    out["use_sliding_window"] = false;
    out["sliding_window"] = qwen3_attention ? json(nullptr) : json(max_position_embeddings);
    out["max_window_layers"] = num_hidden_layers;
    if (qwen3_attention) out["attention_bias"] = attention_bias;
  } else if (model_type == "mixtral") {
    out["sliding_window"] = nullptr;
  } else {
    out["attention_bias"] = attention_bias;
    out["mlp_bias"] = false;
    out["pretraining_tp"] = 1;
  }
  if (is_moe()) write_moe(*this, out);
  return out;
}

ModelConfig ModelConfig::load(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    fail("'{}' does not exist: a model directory holds config.json (create one with `grpo init DIR`)",
         path.string());
  }
  std::string text = read_file(path);
  json parsed;
  try {
    parsed = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e400
    fail("'{}' is not valid JSON: {}", path.string(), e.what());
  }
  return from_json(parsed, path.string());
}

void ModelConfig::save(const std::filesystem::path& path) const {
  validate();
  write_file_atomically(path, to_json().dump(2) + "\n");
}

}  // namespace grpo
