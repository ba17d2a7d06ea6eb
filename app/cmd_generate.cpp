// `grpo generate`: rejection sampling (trainer/rejection_sampling.h). k completions per question, scored by
// the rewards; the kept ones written as SFT rows for `grpo sft`, with a per-question pass rate and a summary.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "app/chat_prompt_options.h"
#include "app/command.h"
#include "app/model_loading.h"
#include "app/problem_source.h"
#include "app/reward_options.h"
#include "app/rollout_memory_options.h"
#include "core/error.h"
#include "datasets/task_rewards.h"
#include "rewards/reward_set.h"
#include "rollout/engine.h"
#include "trainer/prompt_settings.h"
#include "trainer/rejection_sampling.h"
#include "trainer/stop_signal.h"

namespace grpo::app {
namespace {

struct GenerateArguments {
  std::string model;
  ProblemSource source;
  std::string output;
  std::string keep = "all-correct";
  std::string template_name = "r1";
  std::string prefill;
  std::vector<std::string> stop_strings = {"</answer>"};
  std::string system_prompt, assistant_prefix;
  std::vector<std::string> chat_template_kwargs;
  PromptRequest given;
  std::vector<std::string> rewards;
  std::vector<double> reward_weights;
  double reward_timeout = 120;
  std::string reward_failure = "stop";
  double reward_default_score = 0;
  std::string dtype = "float32";
  RejectionSamplingSettings settings;
};

void run_generate(GenerateArguments arguments, const GlobalOptions& global) {
  register_task_rewards();
  if (arguments.source.seed == 0) arguments.source.seed = global.seed;
  const Problems read = read_problems(arguments.source);
  std::vector<std::string> specs = expand_reward_lists(arguments.rewards);
  if (specs.empty()) specs = {read.default_reward, "format"};
  RewardOptions reward_options;
  reward_options.timeout_seconds = arguments.reward_timeout;
  reward_options.on_failure = reward_failure_policy(arguments.reward_failure);
  reward_options.default_score = arguments.reward_default_score;
  RewardSet rewards = RewardSet::from_specs(specs, arguments.reward_weights, reward_options);

  arguments.model = resolve_model_directory(arguments.model, "--model", global.quiet);
  const ResolvedPrompt prompt = resolve_prompt_settings(
      arguments.model, arguments.given, {arguments.template_name, arguments.prefill, arguments.stop_strings});
  if (!prompt.note.empty()) fmt::print(stderr, "grpo generate: {}\n", prompt.note);
  InferenceModel loaded = load_inference_model(arguments.model, global.device, arguments.dtype, global.quiet);
  RolloutEngine engine(loaded.model, loaded.tokenizer.get());

  RejectionSamplingSettings& settings = arguments.settings;
  settings.generation.stop_strings = prompt.settings.stop_strings;
  settings.prefill = prompt.settings.prefill;
  settings.seed = global.seed;
  fmt::print(stderr, "grpo generate: {} questions, k = {}, rewards {}, template {}, keep {} -> {}\n",
             read.problems.size(), settings.generation.num_samples, fmt::join(rewards.names(), ", "),
             prompt.settings.prompt_template.name, arguments.keep, arguments.output);
  const RejectionSamplingSummary summary =
      run_rejection_sampling(engine, *loaded.tokenizer, read.problems, prompt.settings.prompt_template,
                             rewards, settings, arguments.output);
  fmt::print("{}\n", summary.text());
  if (stop_signal() != 0) {
    std::fflush(stdout);
    std::exit(128 + stop_signal());
  }
}

void add_generate_command(CLI::App& app, CommandContext& context) {
  auto arguments = std::make_shared<GenerateArguments>();
  RejectionSamplingSettings& settings = arguments->settings;
  GenerationOptions& generation = settings.generation;
  generation.num_samples = 4;
  CLI::App* command = app.add_subcommand(
      "generate",
      "Rejection sampling: k completions per question, scored by the rewards; the kept ones written as SFT\n"
      "rows (prompt, completion) for `grpo sft`, with a pass rate per question and a summary. Example:\n"
      "  grpo generate --model runs/rl --data task:box_stacking --n 500 -k 8 --keep shortest-correct "
      "--out traces.jsonl");
  command->add_option("--model", arguments->model, "Model directory, checkpoint or run directory")
      ->required();
  command->add_option("--data", arguments->source.data, "Questions: a data file or task:NAME")->required();
  command
      ->add_option("--out", arguments->output,
                   "SFT rows (JSONL); beside it OUT.questions.jsonl (per question) and OUT.summary.json")
      ->required();
  command->add_option("--n", arguments->source.n, "Questions (a data file: its first N rows, 0: all)")
      ->capture_default_str();
  command->add_option("--data-seed", arguments->source.seed,
                      "For task:NAME: the problem stream (default: --seed)");
  command->add_option("--difficulty", arguments->source.difficulty,
                      "For task:NAME: a preset or knob=value list");
  command->add_option("--question-field", arguments->source.question_field, "The field holding the question");
  command->add_option("--answer-field", arguments->source.answer_field, "The field holding the gold answer");
  command->add_flag("--skip-bad-rows", arguments->source.skip_bad_rows, "Skip malformed rows of a data file");
  command->add_option("-k,--num-samples", generation.num_samples, "Completions sampled per question")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      ->add_option(
          "--keep", arguments->keep,
          "all-correct (every distinct correct one), best (highest total reward) or shortest-correct")
      ->check(CLI::IsMember({"all-correct", "best", "shortest-correct"}))
      ->capture_default_str();
  command->add_option("--min-score", settings.min_score, "Correct: every reward scores at least this")
      ->capture_default_str();
  add_reward_options(*command,
                     {arguments->rewards, arguments->reward_weights, arguments->reward_timeout,
                      arguments->reward_failure, arguments->reward_default_score},
                     "the task's verifier, else accuracy; plus format");
  auto* template_option = command->add_option(
      "--template", arguments->template_name,
      "Prompt template (default: the model's own from training, else r1); give grpo sft the same");
  auto* prefill_option = command->add_option(
      "--prefill", arguments->prefill, "Text forced at the start of every completion (kept in the rows)");
  auto* stop_option =
      command->add_option("--stop", arguments->stop_strings,
                          "Stop strings (default: the model's own from training, else </answer>)");
  const ChatOptionHandles chat = add_chat_prompt_options(
      *command, arguments->system_prompt, arguments->chat_template_kwargs, arguments->assistant_prefix);
  command->add_option("--temperature", generation.sampling.temperature, "Sampling temperature")
      ->capture_default_str();
  command->add_option("--top-p", generation.sampling.top_p, "Top-p (1 = off)")->capture_default_str();
  command->add_option("--top-k", generation.sampling.top_k, "Top-k (0 = off)")->capture_default_str();
  command->add_option("--max-new-tokens", generation.max_new_tokens, "Completion length limit")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  add_rollout_memory_options(*command, generation.memory);
  command->add_option("--questions-per-batch", settings.questions_per_batch, "Questions sampled together")
      ->capture_default_str();
  command->add_option("--dtype", arguments->dtype, "Compute dtype of the weights")
      ->check(CLI::IsMember({"float32", "bfloat16", "float16"}))
      ->capture_default_str();
  command->add_flag("--resume", settings.resume, "Continue --out: skip the questions already done");
  command->add_flag("--overwrite", settings.overwrite, "Delete --out and its companions first");
  command->callback([arguments, &context, template_option, prefill_option, stop_option, chat] {
    context.uses_tensors = true;
    PromptRequest& given = arguments->given;
    if (chat.system_prompt->count() > 0) given.system_prompt = arguments->system_prompt;
    if (chat.template_kwargs->count() > 0) given.chat_template_kwargs = arguments->chat_template_kwargs;
    if (chat.assistant_prefix->count() > 0) given.assistant_prefix = arguments->assistant_prefix;
    if (template_option->count() > 0) given.template_name = arguments->template_name;
    if (prefill_option->count() > 0) given.prefill = arguments->prefill;
    if (stop_option->count() > 0) given.stop_strings = arguments->stop_strings;
    arguments->settings.keep = parse_keep_rule(arguments->keep);
    context.action = [arguments, &context] { run_generate(*arguments, context.global); };
  });
}

const CommandRegistration registration{"generate", 37, add_generate_command};

}  // namespace
}  // namespace grpo::app
