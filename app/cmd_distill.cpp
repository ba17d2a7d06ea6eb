// `grpo distill`: a teacher model teaches a student, in the run directory, checkpoints, metrics and resume
// of `grpo sft` (whose options it shares, app/sft_options.h).
//   --mode sequence: the teacher answers the questions of --data (rejection sampling, as `grpo generate`:
//     k samples each, the correct ones kept) into RUN/teacher-traces.jsonl, then the student is fine-tuned on
//     them (`grpo sft`). --resume continues whichever of the two was interrupted.
//   --mode token (same vocabulary): the student is trained on the teacher's distribution over every
//     completion token (trainer/distill_objective.h): TRL GKD's --lmbda (share of on-policy steps, where the
//     student samples and the teacher scores) and --beta (0 forward KL, 1 reverse KL). --data: SFT rows
//     (prompt + completion, e.g. teacher traces), or task:NAME for prompts alone, with --lmbda 1.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "app/command.h"
#include "app/config_file.h"
#include "app/model_loading.h"
#include "app/problem_source.h"
#include "app/reward_options.h"
#include "app/sft_options.h"
#include "core/error.h"
#include "datasets/task_rewards.h"
#include "rewards/reward_set.h"
#include "rollout/engine.h"
#include "trainer/distill_objective.h"
#include "trainer/prompt_settings.h"
#include "trainer/rejection_sampling.h"
#include "trainer/run_directory.h"
#include "trainer/sft_trainer.h"
#include "trainer/stop_signal.h"

namespace grpo::app {
namespace {

namespace fs = std::filesystem;

struct DistillArguments {
  SftConfig sft;
  DistillSettings distill;
  std::string mode = "token";
  ProblemSource source;  // --mode sequence, or --mode token with task:NAME
  std::string keep = "all-correct";
  RejectionSamplingSettings rejection;
  std::vector<std::string> rewards;
  std::vector<double> reward_weights;
  double reward_timeout = 120;
  std::string reward_failure = "stop";
  double reward_default_score = 0;
};

void exit_if_stopped() {
  if (stop_signal() != 0) {  // the checkpoint (or the rows) saved: 128 + N tells a scheduler it was preempted
    std::fflush(stdout);
    std::exit(128 + stop_signal());
  }
}

// The teacher's kept answers to the questions, written (or continued) at `traces`.
void teacher_traces(DistillArguments& arguments, const GlobalOptions& global, const fs::path& traces) {
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

  const SftConfig& sft = arguments.sft;
  PromptRequest given;
  given.template_name = sft.prompt_template;
  given.stop_strings = sft.stop_strings;
  if (!sft.system_prompt.empty()) given.system_prompt = sft.system_prompt;
  if (!sft.chat_template_kwargs.empty()) given.chat_template_kwargs = sft.chat_template_kwargs;
  if (!sft.assistant_prefix.empty()) given.assistant_prefix = sft.assistant_prefix;
  const ResolvedPrompt prompt = resolve_prompt_settings(arguments.distill.teacher, given, given);
  InferenceModel teacher = load_inference_model(arguments.distill.teacher, global.device, "float32", true);
  RolloutEngine engine(teacher.model, teacher.tokenizer.get(), teacher.generation_eos_ids);

  RejectionSamplingSettings& settings = arguments.rejection;
  settings.generation.max_new_tokens = arguments.distill.generation.max_new_tokens;
  settings.generation.sampling = arguments.distill.generation.sampling;
  settings.generation.stop_strings = prompt.settings.stop_strings;
  settings.keep = parse_keep_rule(arguments.keep);
  settings.seed = global.seed;
  settings.resume = !sft.resume.empty();
  settings.overwrite = !settings.resume;
  fmt::print(stderr, "distill: the teacher {} answers {} questions, k = {}, keep {} -> {}\n",
             arguments.distill.teacher, read.problems.size(), settings.generation.num_samples, arguments.keep,
             traces.string());
  const RejectionSamplingSummary summary = run_rejection_sampling(
      engine, *teacher.tokenizer, read.problems, prompt.settings.prompt_template, rewards, settings, traces);
  fmt::print(stderr, "{}\n", summary.text());
  exit_if_stopped();
  if (summary.rows == 0)
    fail("distill: the teacher {} kept no answer of {} questions (see {}); nothing to teach",
         arguments.distill.teacher, summary.questions, questions_path_of(traces).string());
}

// --mode token with task:NAME: the questions as SFT rows with an empty completion (on-policy steps only).
void write_prompt_rows(const DistillArguments& arguments, const GlobalOptions& global, const fs::path& rows) {
  if (arguments.distill.lmbda < 1)
    fail(
        "distill: --data {} gives prompts without completions: token-level distillation from it needs "
        "--lmbda 1 (the student samples every step); give SFT rows (prompt + completion) to mix",
        arguments.source.data);
  ProblemSource source = arguments.source;
  if (source.seed == 0) source.seed = global.seed;
  std::ofstream out(rows);
  for (const Example& problem : read_problems(source).problems) {
    nlohmann::json row = problem.row;
    row["prompt"] = problem.question;
    row["completion"] = "";
    out << row.dump() << "\n";
  }
  if (!out) fail("distill: cannot write {}", rows.string());
}

void run_distill(DistillArguments arguments, const CLI::App& app, const GlobalOptions& global) {
  SftConfig& sft = arguments.sft;
  sft.seed = global.seed;
  sft.device = global.device;
  sft.model = resolve_model_directory(sft.model, "--student", global.quiet);
  arguments.distill.teacher = resolve_model_directory(arguments.distill.teacher, "--teacher", global.quiet);
  arguments.distill.student = sft.model;
  arguments.distill.seed = global.seed;
  arguments.distill.device = global.device;
  arguments.distill.generation.stop_strings = sft.stop_strings;
  arguments.distill.validate();
  // What is written before the trainer starts must not land in another run's directory.
  if (sft.resume.empty()) prepare_new_run_directory(sft.output_dir, sft.overwrite);
  fs::create_directories(sft.output_dir);
  const std::string config_toml = options_as_toml(app, false);
  const bool questions = arguments.mode == "sequence" || sft.train_data.rfind("task:", 0) == 0;
  arguments.source.data = sft.train_data;
  if (arguments.mode == "sequence") {
    const fs::path traces = fs::path(sft.output_dir) / "teacher-traces.jsonl";
    teacher_traces(arguments, global, traces);
    sft.train_data = traces.string();
    SftTrainer trainer(sft, config_toml);
    trainer.train();
  } else {
    if (questions) {
      const fs::path rows = fs::path(sft.output_dir) / "prompts.jsonl";
      write_prompt_rows(arguments, global, rows);
      sft.train_data = rows.string();
      sft.eval_fraction = 0;  // the eval loss needs completions
    }
    arguments.distill.max_length = sft.max_length;
    SftTrainer trainer(sft, config_toml, std::make_unique<DistillObjective>(arguments.distill));
    trainer.train();
  }
  exit_if_stopped();
}

void add_distill_command(CLI::App& app, CommandContext& context) {
  auto arguments = std::make_shared<DistillArguments>();
  SftConfig& sft = arguments->sft;
  sft.output_dir = "runs/distill";
  DistillSettings& distill = arguments->distill;
  distill.generation.max_new_tokens = 128;
  distill.generation.sampling.temperature = 0.9;
  arguments->rejection.generation.num_samples = 4;
  CLI::App* cmd = app.add_subcommand(
      "distill",
      "A teacher model teaches a student: sequence level (the teacher's correct answers, then SFT) or token\n"
      "level (the teacher's distribution over every completion token; on-policy with --lmbda). Examples:\n"
      "  grpo distill --mode sequence --teacher runs/rl --student runs/small --data task:box_stacking --n "
      "500\n"
      "  grpo distill --teacher runs/rl --student runs/small --data traces.jsonl --lmbda 0.5 --beta 0.5");
  const std::string section = "Distillation";
  cmd->add_option("--teacher", distill.teacher, "The teacher: model directory, checkpoint or run directory")
      ->required()
      ->group(section);
  cmd->add_option("--student,--model", sft.model,
                  "The student to train: model directory, checkpoint or run directory")
      ->required()
      ->group(section);
  cmd->add_option("--mode", arguments->mode,
                  "token (the teacher's distributions; same vocabulary) or sequence (the teacher's "
                  "correct answers, then SFT)")
      ->check(CLI::IsMember({"token", "sequence"}))
      ->capture_default_str()
      ->group(section);
  cmd->add_option("--lmbda", distill.lmbda,
                  "token: share of steps on the student's own samples, scored by the teacher (TRL GKD)")
      ->capture_default_str()
      ->group(section);
  cmd->add_option("--beta", distill.beta,
                  "token: generalised JSD interpolation: 0 forward KL(teacher||student), 1 reverse KL")
      ->capture_default_str()
      ->group(section);
  cmd->add_option("--temperature", distill.generation.sampling.temperature,
                  "Sampling temperature (the student's on-policy samples, the teacher's answers)")
      ->capture_default_str()
      ->group(section);
  cmd->add_option("--max-new-tokens", distill.generation.max_new_tokens,
                  "Length limit of sampled completions")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(section);
  cmd->add_option("--logits-chunk-tokens", distill.chunk_tokens,
                  "token: rows of [rows, vocabulary] logits computed at once (bounds the loss's memory)")
      ->capture_default_str()
      ->group(section);
  const std::string questions = "Questions (--mode sequence, or task:NAME prompts)";
  cmd->add_option("--n", arguments->source.n, "Questions (a data file: its first N rows, 0: all)")
      ->capture_default_str()
      ->group(questions);
  cmd->add_option("--data-seed", arguments->source.seed,
                  "For task:NAME: the problem stream (default: --seed)")
      ->group(questions);
  cmd->add_option("--difficulty", arguments->source.difficulty, "For task:NAME: a preset or knob=value list")
      ->group(questions);
  cmd->add_option("--question-field", arguments->source.question_field, "The field holding the question")
      ->group(questions);
  cmd->add_option("--answer-field", arguments->source.answer_field, "The field holding the gold answer")
      ->group(questions);
  cmd->add_option("-k,--num-samples", arguments->rejection.generation.num_samples,
                  "sequence: the teacher's samples per question")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->group(questions);
  cmd->add_option("--keep", arguments->keep, "sequence: all-correct, best or shortest-correct")
      ->check(CLI::IsMember({"all-correct", "best", "shortest-correct"}))
      ->capture_default_str()
      ->group(questions);
  cmd->add_option("--min-score", arguments->rejection.min_score, "sequence: correct = every reward >= this")
      ->capture_default_str()
      ->group(questions);
  add_reward_options(*cmd,
                     {arguments->rewards, arguments->reward_weights, arguments->reward_timeout,
                      arguments->reward_failure, arguments->reward_default_score},
                     "the task's verifier, else accuracy; plus format", questions);
  CLI::Option* resume = add_sft_options(cmd, sft);
  cmd->get_option("--data")->description(
      "sequence: the questions (a data file or task:NAME); token: SFT rows (prompt + completion), or "
      "task:NAME prompts with --lmbda 1");
  cmd->callback([cmd, arguments, &app, &context, resume] {
    finish_sft_options(*cmd, resume, arguments->sft);
    context.uses_tensors = true;
    context.action = [arguments, &app, &context] { run_distill(*arguments, app, context.global); };
  });
}

const CommandRegistration registration{"distill", 39, add_distill_command};

}  // namespace
}  // namespace grpo::app
