// `grpo sample`: completions from a model for prompts given on the command line or read from a data file,
// printed (with the reasoning shown or hidden) and optionally written as JSONL with token ids and
// log-probabilities.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "app/chat_prompt_options.h"
#include "app/command.h"
#include "app/model_loading.h"
#include "app/rollout_memory_options.h"
#include "core/error.h"
#include "core/files.h"
#include "datasets/dataset_loader.h"
#include "datasets/prompt_template.h"
#include "logs/terminal_text.h"
#include "rollout/engine.h"
#include "rollout/generation_options.h"
#include "trainer/prompt_encoding.h"
#include "trainer/prompt_settings.h"

namespace grpo::app {
namespace {

struct SampleArguments {
  std::string model;
  std::vector<std::string> prompts;  // --prompt, repeatable
  std::string prompts_file;
  std::string question_field;
  std::string answer_field;
  size_t limit = 0;
  std::string template_name;  // default: the model's own, else plain for --prompt, r1 for a data file
  std::string prefill;
  std::string system_prompt, assistant_prefix;  // --template chat
  std::vector<std::string> chat_template_kwargs;
  PromptRequest given;  // --template, --prefill, --stop when given: else the model's stored settings apply
  int64_t num_samples = 1;
  double temperature = 1.0;
  int64_t top_k = 0;
  double top_p = 1.0;
  double min_p = 0.0;
  int64_t max_new_tokens = 256;
  std::vector<std::string> stop;
  RolloutMemoryBounds memory;
  std::string dtype = "float32";
  bool hide_think = false;
  bool skip_bad_rows = false;
  std::string out;
};

// The questions to prompt with: one Example per --prompt, or the rows of --prompts.
std::vector<Example> read_questions(const SampleArguments& arguments) {
  if (arguments.prompts.empty() == arguments.prompts_file.empty()) {
    fail(
        "grpo sample: give the prompt text with --prompt \"...\" or a data file with --prompts FILE.jsonl "
        "(exactly one of them)");
  }
  std::vector<Example> questions;
  if (!arguments.prompts_file.empty()) {
    LoadOptions options;
    options.fields.question_field = arguments.question_field;
    options.fields.answer_field = arguments.answer_field;
    options.max_rows = arguments.limit;
    options.skip_bad_rows = arguments.skip_bad_rows;
    LoadedExamples loaded = load_examples(arguments.prompts_file, options);
    if (loaded.report.skipped > 0) fmt::print(stderr, "grpo: warning: {}\n", loaded.report.summary());
    questions = std::move(loaded.examples);
  } else {
    for (size_t i = 0; i < arguments.prompts.size(); ++i) {
      Example example;
      example.id = fmt::format("prompt:{}", i);
      example.question = arguments.prompts[i];
      example.row = {{"question", example.question}};
      questions.push_back(std::move(example));
    }
  }
  return questions;
}

std::string shown_completion(const std::string& text, bool hide_think) {
  return logs::sanitize_for_terminal(hide_think ? logs::completion_without_think(text) : text);
}

// One JSON object per completion; model text may be invalid UTF-8, so bad bytes become U+FFFD.
std::string completions_jsonl(const GenerationResult& generated, const std::vector<std::string>& prompts) {
  std::string out;
  for (const Completion& completion : generated.completions) {
    nlohmann::json line = {{"prompt_index", completion.prompt_index},
                           {"sample", completion.sample_index},
                           {"prompt", prompts[static_cast<size_t>(completion.prompt_index)]},
                           {"completion", completion.text},
                           {"token_ids", completion.token_ids},
                           {"logprobs", completion.logprobs},
                           {"finish_reason", finish_reason_name(completion.finish_reason)},
                           {"seconds", completion.seconds}};
    out += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return out;
}

void run_sample(const SampleArguments& arguments, const GlobalOptions& global) {
  const std::vector<Example> questions = read_questions(arguments);
  const std::string model = resolve_model_directory(arguments.model, "--model", global.quiet);
  const ResolvedPrompt prompt =
      resolve_prompt_settings(model, arguments.given,
                              {std::string(arguments.prompts_file.empty() ? "plain" : "r1"), std::string(),
                               arguments.stop});  // defaults
  if (!prompt.note.empty()) fmt::print(stderr, "grpo sample: {}\n", prompt.note);
  const PromptTemplate& prompt_template = prompt.settings.prompt_template;
  const std::string& prefill = prompt.settings.prefill;

  InferenceModel loaded = load_inference_model(model, global.device, arguments.dtype, global.quiet);
  const std::vector<int64_t> prefill_ids =
      prefill.empty() ? std::vector<int64_t>{} : loaded.tokenizer->encode(prefill);
  std::vector<std::string> prompts;
  std::vector<std::vector<int64_t>> prompt_ids;
  for (const Example& question : questions) {
    prompts.push_back(prompt_template.render(question));
    prompt_ids.push_back(encode_prompt(*loaded.tokenizer, prompts.back()));
    prompt_ids.back().insert(prompt_ids.back().end(), prefill_ids.begin(), prefill_ids.end());
    prompts.back() += prefill;
  }

  const SamplingParams sampling{arguments.temperature, arguments.top_k, arguments.top_p, arguments.min_p};
  RolloutEngine engine(loaded.model, loaded.tokenizer.get(), loaded.generation_eos_ids);
  const GenerationResult generated = engine.generate(
      prompt_ids, generation_options(arguments.num_samples, arguments.max_new_tokens, sampling,
                                     prompt.settings.stop_strings, arguments.memory, global.seed));

  int64_t shown_prompt = -1;
  for (const Completion& completion : generated.completions) {
    if (completion.prompt_index != shown_prompt) {
      shown_prompt = completion.prompt_index;
      fmt::print(
          "=== prompt {} ({} tokens): {}\n", shown_prompt,
          prompt_ids[static_cast<size_t>(shown_prompt)].size(),
          logs::sanitize_for_terminal(logs::one_line(prompts[static_cast<size_t>(shown_prompt)], 200)));
    }
    fmt::print("--- sample {} ({}, {} tokens)\n{}\n", completion.sample_index,
               finish_reason_name(completion.finish_reason), completion.token_ids.size(),
               shown_completion(completion_after_prefill(*loaded.tokenizer, prefill, completion.token_ids,
                                                         completion.text),
                                arguments.hide_think));
  }
  if (!arguments.out.empty()) write_file_atomically(arguments.out, completions_jsonl(generated, prompts));

  if (!global.quiet) {
    const GenerationTimings& t = generated.timings;
    const double rate = t.total > 0 ? static_cast<double>(generated.generated_tokens) / t.total : 0.0;
    fmt::print(
        stderr,
        "{} completions, {} tokens in {:.2f} s ({:.1f} tokens/s); prefill {:.2f} s ({} prompt tokens), "
        "decode {:.2f} s, sampling {:.2f} s\n",
        generated.completions.size(), generated.generated_tokens, t.total, rate, t.prefill,
        generated.prompt_tokens_processed, t.decode, t.sampling);
    if (!arguments.out.empty()) fmt::print(stderr, "completions written to {}\n", arguments.out);
  }
}

void add_sample_command(CLI::App& app, CommandContext& context) {
  auto arguments = std::make_shared<SampleArguments>();
  CLI::App* command = app.add_subcommand(
      "sample",
      "Sample completions from a model. Examples:\n"
      "  grpo sample --model models/tiny --prompt \"What is 2 + 3?\" -n 4\n"
      "  grpo sample --model runs/a/checkpoints/step-100 --prompts gsm8k/test.jsonl --limit 5 --stop "
      "\"</answer>\" --hide-think --out samples.jsonl");
  command->add_option("--model", arguments->model, "Model directory (config.json, weights, tokenizer.model)")
      ->required();
  command->add_option("--prompt", arguments->prompts,
                      "Prompt text (repeatable); put into --template as {question}");
  command->add_option("--prompts", arguments->prompts_file,
                      "A data file (JSONL, JSON, CSV, TSV) whose question field is put into --template");
  command->add_option("--question-field", arguments->question_field,
                      "With --prompts: the field holding the question (default: recognised)");
  command->add_option("--answer-field", arguments->answer_field,
                      "With --prompts: the field holding the answer (default: recognised)");
  command->add_option("--limit", arguments->limit, "With --prompts: use only the first N rows (0: all)");
  auto* template_option =
      command->add_option("--template", arguments->template_name,
                          "Prompt template: r1, r1-think, plain, chatml, chat (the model's own chat "
                          "template), or a file (default: the model's own from training, else "
                          "plain for --prompt, r1 for --prompts)");
  auto* prefill_option = command->add_option("--prefill", arguments->prefill,
                                             "Text forced at the start of every completion (e.g. "
                                             "\"<think>\"; default: the model's own from training)");
  command->add_option("-n,--num-samples", arguments->num_samples, "Completions per prompt")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--temperature", arguments->temperature, "Sampling temperature (0: greedy)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--top-k", arguments->top_k, "Keep the k most likely tokens (0: off)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--top-p", arguments->top_p, "Nucleus sampling threshold (1: off)")
      ->capture_default_str();
  command
      ->add_option("--min-p", arguments->min_p, "Keep tokens at least this share of the top one's (0: off)")
      ->capture_default_str();
  command->add_option("--max-new-tokens", arguments->max_new_tokens, "Completion length limit in tokens")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  auto* stop_option = command->add_option(
      "--stop", arguments->stop,
      "Stop a completion once its text contains this (repeatable; default: the model's own from training)");
  add_rollout_memory_options(*command, arguments->memory);
  command->add_option("--dtype", arguments->dtype, "Compute dtype of the weights")
      ->check(CLI::IsMember({"float32", "bfloat16", "float16"}))
      ->capture_default_str();
  command->add_flag("--skip-bad-rows", arguments->skip_bad_rows,
                    "Skip malformed rows of the --prompts file (and count them) instead of stopping");
  command->add_flag("--hide-think", arguments->hide_think,
                    "Print the <think> block's length instead of its text");
  command->add_option(
      "--out", arguments->out,
      "Also write one JSON object per completion here (prompt_index, sample, prompt, completion, "
      "token_ids, logprobs, finish_reason, seconds)");
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
    if (stop_option->count() > 0) arguments->given.stop_strings = arguments->stop;
    context.action = [arguments, &context] { run_sample(*arguments, context.global); };
  });
}

}  // namespace

static const CommandRegistration registration{"sample", 30, add_sample_command};

}  // namespace grpo::app
