#include "trainer/rejection_sampling.h"

#include <fmt/format.h>

#include <set>

#include "core/clock.h"
#include "core/error.h"
#include "core/files.h"
#include "datasets/seeded_random.h"
#include "logs/json_lines.h"
#include "trainer/prompt_encoding.h"
#include "trainer/stop_signal.h"

namespace grpo {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string with_suffix(const fs::path& output, const std::string& suffix) {
  fs::path stem = output;
  if (stem.extension() == ".jsonl") stem.replace_extension();
  return stem.string() + suffix;
}

// The questions done in an earlier run; rows of questions not done (a run killed between a question's rows
// and its line) are removed. Torn last lines are dropped when the files are opened for appending.
std::set<std::string> prepare_files(const fs::path& output, const fs::path& progress, bool resume,
                                    bool overwrite) {
  const bool exists = fs::exists(output) || fs::exists(progress);
  if (exists && overwrite) {
    fs::remove(output);
    fs::remove(progress);
    fs::remove(summary_path_of(output));
    return {};
  }
  if (exists && !resume) {
    fail(
        "'{}' or '{}' already exists: pass --resume to continue it (questions done are skipped) or "
        "--overwrite to start afresh",
        output.string(), progress.string());
  }
  std::set<std::string> done;
  if (!exists) return done;
  for (const auto& line : logs::read_json_lines(progress).objects)
    done.insert(line.value("id", std::string()));
  if (fs::exists(output)) {
    const logs::JsonLines rows = logs::read_json_lines(output);
    std::string kept;
    size_t dropped = 0;
    for (const auto& row : rows.objects) {
      if (done.count(row.value("id", std::string())) > 0) {
        kept += logs::to_json_line(row) + "\n";
      } else {
        ++dropped;
      }
    }
    if (dropped > 0 || !rows.warnings.empty()) {
      write_file_atomically(output, kept);
      fmt::print(stderr, "generate: dropped {} row(s) of unfinished questions{}\n", dropped,
                 rows.warnings.empty() ? "" : " and a torn last line");
    }
  }
  return done;
}

// The SFT row of one kept sample: the question's row, its prompt and completion, the rewards.
json sft_row(const Example& example, const ScoredSample& sample, const std::vector<std::string>& names) {
  json row = example.row.is_object() ? example.row : json::object();
  for (const char* field : {"messages", "prompt", "completion"}) row.erase(field);
  row["id"] = example.id;
  row["prompt"] = example.question;
  row["completion"] = sample.text;
  json scores = json::object();
  for (size_t r = 0; r < names.size(); ++r)
    scores[names[r]] = sample.scores[r] ? json(*sample.scores[r]) : json();
  row["rewards"] = scores;
  row["total_reward"] = sample.total;
  return row;
}

RejectionSamplingSummary summarize(const fs::path& progress) {
  RejectionSamplingSummary summary;
  for (const auto& line : logs::read_json_lines(progress).objects) {
    ++summary.questions;
    summary.samples += line.value("samples", int64_t{0});
    const int64_t correct = line.value("correct", int64_t{0});
    summary.correct += correct;
    summary.solved += correct > 0 ? 1 : 0;
    summary.rows += line.value("kept", int64_t{0});
    summary.duplicates += line.value("duplicates", int64_t{0});
  }
  return summary;
}

}  // namespace

fs::path questions_path_of(const fs::path& output) {
  return with_suffix(output, ".questions.jsonl");
}
fs::path summary_path_of(const fs::path& output) {
  return with_suffix(output, ".summary.json");
}

json RejectionSamplingSummary::to_json() const {
  auto share = [](int64_t part, int64_t whole) {
    return whole > 0 ? json(static_cast<double>(part) / static_cast<double>(whole)) : json();
  };
  return {{"questions", questions},
          {"skipped", skipped},
          {"samples", samples},
          {"correct", correct},
          {"pass_rate", share(correct, samples)},
          {"solved", solved},
          {"solved_rate", share(solved, questions)},
          {"rows", rows},
          {"duplicates", duplicates},
          {"seconds", seconds},
          {"stopped", stopped}};
}

std::string RejectionSamplingSummary::text() const {
  const double pass = samples > 0 ? static_cast<double>(correct) / static_cast<double>(samples) : 0.0;
  const double solved_rate =
      questions > 0 ? static_cast<double>(solved) / static_cast<double>(questions) : 0.0;
  return fmt::format(
      "{} questions ({} done before this run), {} samples: pass rate {:.3f}, {} questions ({:.3f}) with a "
      "correct sample; {} rows kept, {} duplicate(s) removed; {:.1f} s{}",
      questions, skipped, samples, pass, solved, solved_rate, rows, duplicates, seconds,
      stopped ? " (stopped early: --resume continues)" : "");
}

RejectionSamplingSummary run_rejection_sampling(RolloutEngine& engine, const Tokenizer& tokenizer,
                                                const std::vector<Example>& questions,
                                                const PromptTemplate& prompt_template, RewardSet& rewards,
                                                const RejectionSamplingSettings& settings,
                                                const fs::path& output) {
  if (settings.questions_per_batch < 1) fail("--questions-per-batch must be >= 1");
  if (settings.generation.num_samples < 1) fail("-k must be >= 1");
  const double start = now_seconds();
  const fs::path progress = questions_path_of(output);
  const std::set<std::string> done = prepare_files(output, progress, settings.resume, settings.overwrite);
  for (const auto& question : questions) prompt_template.check_fields(question.row);
  logs::JsonlAppender rows_file(output);
  logs::JsonlAppender progress_file(progress);
  const std::vector<int64_t> prefill_ids =
      settings.prefill.empty() ? std::vector<int64_t>{} : tokenizer.encode(settings.prefill);
  int64_t skipped = 0;
  bool stopped = false;
  StopSignalScope signals;
  const size_t per_batch = static_cast<size_t>(settings.questions_per_batch);
  for (size_t first = 0; first < questions.size() && !stopped; first += per_batch) {
    std::vector<const Example*> batch;
    std::vector<std::vector<int64_t>> prompts;
    for (size_t i = first; i < std::min(questions.size(), first + per_batch); ++i) {
      if (done.count(questions[i].id) > 0) {
        ++skipped;
        continue;
      }
      batch.push_back(&questions[i]);
      std::vector<int64_t> ids = encode_prompt(tokenizer, prompt_template.render(questions[i]));
      ids.insert(ids.end(), prefill_ids.begin(), prefill_ids.end());
      prompts.push_back(std::move(ids));
    }
    if (batch.empty()) continue;
    GenerationOptions options = settings.generation;
    options.seed = mix64(settings.seed * 1000003ull + first / per_batch);
    GenerationResult generated = engine.generate(prompts, options);
    if (stop_requested()) {
      stopped = true;
      break;
    }
    // Score every sample of the batch at once.
    std::vector<RewardInput> inputs;
    for (const Completion& completion : generated.completions) {
      const Example& example = *batch[static_cast<size_t>(completion.prompt_index)];
      RewardInput input;
      input.prompt = prompt_template.render(example) + settings.prefill;
      input.completion =
          completion_after_prefill(tokenizer, settings.prefill, completion.token_ids, completion.text);
      input.completion_ids = completion.token_ids;
      input.finish_reason = finish_reason_name(completion.finish_reason);
      input.row = example.row;
      inputs.push_back(std::move(input));
    }
    const ScoredBatch scored = rewards.score(inputs);
    const size_t k = static_cast<size_t>(settings.generation.num_samples);
    for (size_t q = 0; q < batch.size(); ++q) {
      std::vector<ScoredSample> samples;
      for (size_t s = q * k; s < (q + 1) * k && s < inputs.size(); ++s) {
        ScoredSample sample;
        sample.text = inputs[s].completion;
        sample.tokens = static_cast<int64_t>(generated.completions[s].token_ids.size());
        sample.total = scored.totals[s];
        for (const auto& per_reward : scored.results) sample.scores.push_back(per_reward[s].score);
        samples.push_back(std::move(sample));
      }
      const Selection selection = select_samples(samples, settings.keep, settings.min_score);
      for (size_t index : selection.kept)
        rows_file.append(sft_row(*batch[q], samples[index], rewards.names()));
      progress_file.append(json{{"id", batch[q]->id},
                                {"question", batch[q]->question},
                                {"answer", batch[q]->answer},
                                {"samples", samples.size()},
                                {"correct", selection.correct},
                                {"pass_rate", static_cast<double>(selection.correct) /
                                                  static_cast<double>(std::max<size_t>(1, samples.size()))},
                                {"kept", selection.kept.size()},
                                {"duplicates", selection.duplicates}});
    }
    if (stop_requested()) stopped = true;
    const size_t through = std::min(questions.size(), first + per_batch);
    fmt::print(stderr, "generate: {}/{} questions ({:.0f} s)\n", through, questions.size(),
               now_seconds() - start);
  }
  RejectionSamplingSummary summary = summarize(progress);
  summary.skipped = skipped;
  summary.seconds = now_seconds() - start;
  summary.stopped = stopped;
  write_file_atomically(summary_path_of(output), summary.to_json().dump(2) + "\n");
  return summary;
}

}  // namespace grpo
