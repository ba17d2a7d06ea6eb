// `grpo eval`: evaluates a model on a data file or a generated task: greedy accuracy, and pass@1, pass@k
// and maj@k over k samples, the format rate and length, an optional breakdown, and example completions.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "app/chat_prompt_options.h"
#include "app/command.h"
#include "app/model_loading.h"
#include "app/problem_source.h"
#include "app/rollout_memory_options.h"
#include "core/error.h"
#include "core/files.h"
#include "datasets/prompt_template.h"
#include "datasets/task_rewards.h"
#include "datasets/training_data.h"
#include "logs/metric_names.h"
#include "logs/terminal_text.h"
#include "rewards/reward_registry.h"
#include "rewards/reward_set.h"
#include "rollout/engine.h"
#include "trainer/data_fit.h"
#include "trainer/evaluation.h"
#include "trainer/prompt_settings.h"

namespace grpo::app {
namespace {

// A training run's eval set for --seed S is drawn from seed S + this (open_training_data's default eval
// seed).
constexpr uint64_t kEvalSeedOffset = 1000003;

struct EvalArguments {
  std::string model;
  std::string data;
  std::string difficulty;
  std::string question_field;
  std::string answer_field;
  size_t n = 200;
  uint64_t data_seed = 0;
  std::string rewards;  // default: the task's verifier, else accuracy
  std::string format_reward = "format";
  std::string template_name = "r1";
  std::string prefill;
  std::string group_by;
  EvalOptions options;
  std::string dtype = "float32";
  bool json = false;
  std::string json_out;  // also write the JSON result here
  bool skip_bad_rows = false;
  std::string system_prompt, assistant_prefix;  // --template chat
  std::vector<std::string> chat_template_kwargs;
  PromptRequest given;  // --template, --prefill, --stop when given: else the model's stored settings apply
};

std::string metric(double value) {
  return std::isfinite(value) ? fmt::format("{:.3f}", value) : "-";
}

std::string json_metric(const nlohmann::json& value) {
  return value.is_number() ? metric(value.get<double>()) : "-";
}

// Characters as a terminal shows them (UTF-8 continuation bytes do not count).
size_t display_width(const std::string& text) {
  return static_cast<size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string padded(const std::string& text, size_t width) {
  const size_t shown = display_width(text);
  return text + std::string(width > shown ? width - shown : 0, ' ');
}

void print_breakdown(const nlohmann::json& breakdown, int64_t k) {
  namespace keys = logs::metric;
  std::vector<std::string> values;
  size_t width = 5;  // "value"
  for (const auto& group : breakdown[keys::kBreakdownGroups]) {
    const auto& value = group[keys::kBreakdownValue];
    values.push_back(logs::sanitize_for_terminal(
        logs::one_line(value.is_string() ? value.get<std::string>() : value.dump(), 40)));
    width = std::max(width, display_width(values.back()));
  }
  fmt::print("by {}:\n  {} {:>5} {:>7} {:>7} {:>7} {:>7}\n",
             logs::sanitize_for_terminal(breakdown[keys::kBreakdownField].get<std::string>()),
             padded("value", width), "n", "greedy", "pass@1", fmt::format("pass@{}", k),
             fmt::format("maj@{}", k));
  for (size_t i = 0; i < values.size(); ++i) {
    const auto& group = breakdown[keys::kBreakdownGroups][i];
    fmt::print("  {} {:>5} {:>7} {:>7} {:>7} {:>7}\n", padded(values[i], width),
               group[keys::kNumProblems].get<int64_t>(), json_metric(group[keys::kGreedyAccuracy]),
               json_metric(group[keys::kPassAt1]), json_metric(group[keys::kPassAtK]),
               json_metric(group[keys::kMajAtK]));
  }
}

// "chains in think (greedy)  0.230 (accuracy with 0.100, without 0.300; steps right 0.050, ending in the
// answer 0.120; think 12.0 words)", and the same for the samples (datasets/box_chain.h).
void print_reasoning(const nlohmann::json& reasoning) {
  namespace keys = logs::metric;
  for (const char* pass : {"greedy", "sampled"}) {
    const nlohmann::json& figures = reasoning[pass];
    if (!figures.is_object()) continue;
    const nlohmann::json& words = figures[keys::kThinkWords];
    fmt::print(
        "  {:<26}{} (accuracy with {}, without {}; steps right {}, ending in the answer {}; think {} "
        "words)\n",
        fmt::format("chains in think ({})", pass), json_metric(figures[keys::kChainShare]),
        json_metric(figures[keys::kAccuracyWithChain]), json_metric(figures[keys::kAccuracyWithoutChain]),
        json_metric(figures[keys::kStackAccuracy]), json_metric(figures[keys::kChainEndAccuracy]),
        words.is_number() ? fmt::format("{:.1f}", words.get<double>()) : "-");
  }
}

void print_result(const EvalResult& result, const EvalArguments& arguments, const std::string& reward) {
  fmt::print(
      "eval of {} on {}: {} problems, template {}, reward {}{}\n", arguments.model, arguments.data,
      result.n_problems, arguments.template_name, reward,
      result.prefill.empty()
          ? ""
          : fmt::format(", prefill \"{}\"", logs::sanitize_for_terminal(logs::one_line(result.prefill, 80))));
  const auto line = [](const std::string& label, const std::string& value) {
    fmt::print("  {:<26}{}\n", label, value);
  };
  line("greedy accuracy", metric(result.greedy_accuracy));
  if (result.k > 0) {
    line(fmt::format("pass@1 (mean of {} sample{})", result.k, result.k == 1 ? "" : "s"),
         metric(result.pass_at_1));
  }
  if (result.k > 1) {  // at k = 1 both are pass@1
    line(fmt::format("pass@{}", result.k), metric(result.pass_at_k));
    line(fmt::format("maj@{}", result.k), metric(result.maj_at_k));
  }
  line("format rate (greedy)", metric(result.format_rate));
  line("mean length (greedy)", fmt::format("{:.1f} tokens", result.mean_length));
  line("time", fmt::format("{:.1f} s", result.seconds));
  if (result.reasoning.is_object()) print_reasoning(result.reasoning);
  if (result.breakdown.is_object()) print_breakdown(result.breakdown, result.k);
  if (!result.examples.empty()) fmt::print("examples (greedy):\n");
  for (const EvalSample& sample : result.examples) {
    fmt::print("--- {} [{}] ({}, {} tokens)\n", logs::sanitize_for_terminal(logs::one_line(sample.id, 80)),
               sample.correct ? "correct" : "wrong", sample.finish_reason, sample.num_tokens);
    fmt::print("question: {}\n", logs::sanitize_for_terminal(logs::one_line(sample.question, 300)));
    fmt::print("gold: {}\n", logs::sanitize_for_terminal(logs::one_line(sample.gold, 200)));
    fmt::print("completion:\n{}\n", logs::sanitize_for_terminal(sample.text));
  }
}

void run_eval(EvalArguments arguments, const GlobalOptions& global) {
  if (arguments.data.empty()) fail("grpo eval: name the problems with --data FILE or --data task:NAME");
  register_task_rewards();
  const Problems read = read_problems(
      {arguments.data, arguments.difficulty, arguments.question_field, arguments.answer_field, arguments.n,
       arguments.data_seed != 0 ? arguments.data_seed : global.seed + kEvalSeedOffset,
       arguments.skip_bad_rows});
  const std::string reward = arguments.rewards.empty() ? read.default_reward : arguments.rewards;
  RewardSet correctness = RewardSet::from_specs(split_reward_list(reward));
  RewardSet format;
  if (arguments.format_reward != "none" && !arguments.format_reward.empty()) {
    format = RewardSet::from_specs(split_reward_list(arguments.format_reward));
  }
  // A checkpoint or a run stands for its model/, where prompt.json and the chat template are.
  arguments.model = resolve_model_directory(arguments.model, "--model", global.quiet);
  const ResolvedPrompt prompt = resolve_prompt_settings(
      arguments.model, arguments.given,
      {arguments.template_name, arguments.prefill, arguments.options.stop_strings});  // the defaults
  if (!prompt.note.empty()) fmt::print(stderr, "grpo eval: {}\n", prompt.note);
  const PromptTemplate& prompt_template = prompt.settings.prompt_template;
  arguments.template_name = prompt_template.name;
  arguments.prefill = prompt.settings.prefill;
  arguments.options.stop_strings = prompt.settings.stop_strings;
  for (const Example& problem : read.problems) prompt_template.check_fields(problem.row);

  InferenceModel loaded = load_inference_model(arguments.model, global.device, arguments.dtype, global.quiet);
  for (const std::string& warning :
       check_data_fit(*loaded.tokenizer, prompt_template, read.problems, arguments.options.max_new_tokens,
                      loaded.model->config().max_position_embeddings)) {
    fmt::print(stderr, "grpo: warning: {}\n", warning);
  }
  RolloutEngine engine(loaded.model, loaded.tokenizer.get(), loaded.generation_eos_ids);
  arguments.options.prefill = arguments.prefill;
  arguments.options.group_by_field = arguments.group_by;
  arguments.options.seed = global.seed;
  const EvalResult result = evaluate(engine, *loaded.tokenizer, read.problems, prompt_template, correctness,
                                     format.size() > 0 ? &format : nullptr, arguments.options);
  if (!arguments.json_out.empty()) {
    write_file_atomically(
        arguments.json_out,
        result.to_json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }
  if (arguments.json) {
    fmt::print("{}\n", result.to_json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    print_result(result, arguments, reward);
  }
}

void add_eval_command(CLI::App& app, CommandContext& context) {
  auto arguments = std::make_shared<EvalArguments>();
  EvalOptions& options = arguments->options;
  CLI::App* command = app.add_subcommand(
      "eval",
      "Evaluate a model: greedy accuracy, and over k samples per problem pass@1 (the mean share of right\n"
      "samples, as DeepSeek-R1), pass@k and majority-vote accuracy (maj@k), with the format rate and "
      "completion\n"
      "length. --model takes a model directory, a checkpoint or a run directory. Examples:\n"
      "  grpo eval --model models/tiny --data task:arithmetic --difficulty easy --n 200 --k 4\n"
      "  grpo eval --model runs/a/checkpoints/step-500 --data gsm8k/test.jsonl --n 100 --prefill \"<think>\" "
      "--json");
  command->add_option("--model", arguments->model, "Model directory (config.json, weights, tokenizer.model)")
      ->required();
  command
      ->add_option(
          "--data", arguments->data,
          "A data file (JSONL, JSON, CSV, TSV; its first --n rows) or task:NAME (--n problems generated "
          "from --data-seed)")
      ->required();
  command->add_flag("--skip-bad-rows", arguments->skip_bad_rows,
                    "Skip malformed rows of a data file (and count them) instead of stopping");
  command->add_option("--difficulty", arguments->difficulty, "For task:NAME: a preset or knob=value list");
  command->add_option("--n", arguments->n, "Problems to evaluate (a data file: its first N rows, 0: all)")
      ->capture_default_str();
  command->add_option(
      "--data-seed", arguments->data_seed,
      "For task:NAME: the problem stream (default: --seed + 1000003, a training run's eval set)");
  command->add_option("--question-field", arguments->question_field, "The field holding the question");
  command->add_option("--answer-field", arguments->answer_field, "The field holding the gold answer");
  command
      ->add_option("--k", options.k,
                   "Sampled completions per problem for pass@1, pass@k, maj@k (0: greedy only)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--reward", arguments->rewards,
                      "The correctness reward (a completion is correct when it scores 1; default: the task's "
                      "verifier, else accuracy)");
  command
      ->add_option("--format-reward", arguments->format_reward,
                   "The reward whose mean over greedy completions is the format rate (none: skip)")
      ->capture_default_str();
  auto* template_option =
      command->add_option("--template", arguments->template_name,
                          "Prompt template: r1, r1-think, plain, chatml, chat (the model's own chat "
                          "template), or a file (default: the model's own from training, else r1)");
  auto* prefill_option = command->add_option(
      "--prefill", arguments->prefill,
      "Text forced at the start of every completion (e.g. \"<think>\"); it is scored as part of it (default: "
      "the model's own from training)");
  command->add_option("--group-by", arguments->group_by,
                      "A row field to break the results down by (e.g. steps)");
  command->add_option("--temperature", options.temperature, "Sampling temperature of the k samples")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--top-p", options.top_p, "Nucleus sampling threshold of the k samples (1: off)")
      ->capture_default_str();
  command->add_option("--max-new-tokens", options.max_new_tokens, "Completion length limit in tokens")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  auto* stop_option = command->add_option(
      "--stop", options.stop_strings,
      "Stop strings (repeatable; default: the model's own from training, else </answer>)");
  add_rollout_memory_options(*command, options.memory);
  command->add_option("--examples", options.num_examples, "Greedy completions to show")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--dtype", arguments->dtype, "Compute dtype of the weights")
      ->check(CLI::IsMember({"float32", "bfloat16", "float16"}))
      ->capture_default_str();
  command->add_flag("--json", arguments->json, "Print the result as JSON");
  command->add_option("--json-out", arguments->json_out,
                      "Also write the result as JSON to this file (what --json prints; for grpo gate)");
  const ChatOptionHandles chat = add_chat_prompt_options(
      *command, arguments->system_prompt, arguments->chat_template_kwargs, arguments->assistant_prefix);
  command->callback([arguments, &context, template_option, prefill_option, stop_option, chat] {
    context.uses_tensors = true;
    if (chat.system_prompt->count() > 0) arguments->given.system_prompt = arguments->system_prompt;
    if (chat.template_kwargs->count() > 0)
      arguments->given.chat_template_kwargs = arguments->chat_template_kwargs;
    if (chat.assistant_prefix->count() > 0) arguments->given.assistant_prefix = arguments->assistant_prefix;
    if (template_option->count() > 0) arguments->given.template_name = arguments->template_name;
    if (prefill_option->count() > 0) arguments->given.prefill = arguments->prefill;
    if (stop_option->count() > 0) arguments->given.stop_strings = arguments->options.stop_strings;
    context.action = [arguments, &context] { run_eval(*arguments, context.global); };
  });
}

}  // namespace

static const CommandRegistration registration{"eval", 45, add_eval_command};

}  // namespace grpo::app
