#include "run_fixture.h"

#include <fmt/format.h>

#include <cmath>

#include "logs/gzip_text.h"
#include "logs/metric_names.h"
#include "logs/run_log_writer.h"

namespace grpo::testing {

namespace fs = std::filesystem;
using logs::Json;

std::vector<logs::RolloutRecord> fixture_step_records(int64_t step) {
  std::vector<logs::RolloutRecord> records;
  for (int group = 0; group < 2; ++group) {
    for (int sample = 0; sample < 4; ++sample) {
      logs::RolloutRecord record;
      record.step = step;
      record.group = group;
      record.sample = sample;
      record.question_id = group == 0 ? "gsm8k-7" : fmt::format("gsm8k-10{}", step);
      record.question = group == 0 ? "Tom has 40 apples and buys 2 more. How many apples does he have?"
                                   : fmt::format("What is 6 times 7? (variant {})", step);
      record.gold = "42";
      bool cut = group == 1 && sample == 3;
      bool right = group == 0 ? sample < step : sample == 0;
      std::string thought = fmt::format("step {} thinking about question {}, sample {}", step, group, sample);
      if (step == 2 && group == 1 && sample == 1) thought += ", like a zebra counting stripes";
      if (step == 3 && group == 1 && sample == 2)
        thought += " </script><!--<script> <b>bold</b> & <img src=x>";
      if (step == 4 && group == 0 && sample == 0) thought += " \x1b[31mred\x1b[0m and a bad byte \xff here";
      if (cut) {
        record.completion = "<think>" + thought + " and on and on";
        record.finish_reason = "length";
        record.length = 64;
      } else {
        record.completion =
            fmt::format("<think>{}</think> <answer>{}</answer>", thought, right ? "42" : "41");
        record.finish_reason = "eos";
        record.length = 20 + sample;
      }
      double accuracy = right && !cut ? 1.0 : 0.0;
      double format = cut ? 0.0 : 1.0;
      std::string accuracy_reason = cut     ? "no <answer> block"
                                    : right ? "answer 42 matches gold 42"
                                            : "answer 41 differs from gold 42";
      record.rewards = {{"accuracy", accuracy, accuracy_reason},
                        {"format", format, cut ? "missing </think>" : "well formed"}};
      record.reward = accuracy + 0.5 * format;
      records.push_back(std::move(record));
    }
  }
  // GRPO advantages: (r - mean of the group) / (std of the group + 1e-4).
  for (int group = 0; group < 2; ++group) {
    double mean = 0, square = 0;
    for (int sample = 0; sample < 4; ++sample) mean += records[group * 4 + sample].reward / 4;
    for (int sample = 0; sample < 4; ++sample)
      square += std::pow(records[group * 4 + sample].reward - mean, 2) / 3;
    for (int sample = 0; sample < 4; ++sample) {
      auto& record = records[group * 4 + sample];
      record.advantage = (record.reward - mean) / (std::sqrt(square) + 1e-4);
    }
  }
  return records;
}

void write_fixture_run(const fs::path& run_dir, const logs::RolloutLogOptions& options) {
  namespace m = logs::metric;
  logs::RunLogWriter writer(run_dir, options);
  writer.write_config(
      "[trainer]\nlearning_rate = 1e-6\nnum_generations = 4\nrun_name = \"fixture <b>run</b>\"\n");
  for (int64_t step = 1; step <= FixtureCounts::steps; ++step) {
    std::vector<logs::RolloutRecord> records = fixture_step_records(step);
    double reward = 0, accuracy = 0, format = 0, length = 0;
    for (const auto& record : records) {
      reward += record.reward / records.size();
      accuracy += record.rewards[0].score.value_or(0) / records.size();
      format += record.rewards[1].score.value_or(0) / records.size();
      length += static_cast<double>(record.length) / records.size();
    }
    Json metrics;
    metrics[m::kStep] = step;
    metrics[m::kReward] = reward;
    metrics[m::kRewardStd] = 0.5;
    metrics[m::reward_mean("accuracy")] = accuracy;
    metrics[m::reward_std("accuracy")] = 0.4;
    metrics[m::reward_mean("format")] = format;
    metrics[m::reward_std("format")] = 0.3;
    metrics[m::kAccuracy] = accuracy;
    metrics[m::kFormatRate] = format;
    metrics[m::kFracRewardZeroStd] = 0.0;
    metrics[m::kMeanLength] = length;
    metrics[m::kMinLength] = 20;
    metrics[m::kMaxLength] = 64;
    metrics[m::kClippedRatio] = 0.125;
    metrics[m::kKl] = 0.001 * step;
    metrics[m::kEntropy] = 1.5 - 0.1 * step;
    metrics[m::kClipLowMean] = 0.01;
    metrics[m::kClipHighMean] = 0.02;
    metrics[m::kClipRegionMean] = 0.03;
    metrics[m::kGradNorm] = 0.8;
    metrics[m::kLearningRate] = 1e-6;
    metrics[m::kNumTokens] = 1000 * step;
    metrics[m::kTokensTrained] = 200 * step;
    metrics[m::kTimeRollout] = 1.0;
    metrics[m::kTimeReward] = 0.01;
    metrics[m::kTimeLogprobs] = 0.2;
    metrics[m::kTimeUpdate] = 0.5;
    metrics[m::kTimeStep] = 1.71;
    metrics[m::kElapsed] = 1.71 * step;
    // Box-stacking reasoning figures: no chain at step 1 (so no accuracy with one, and no step accuracy).
    metrics[m::kChainShare] = 0.125 * (step - 1);
    metrics[m::kAccuracyWithChain] = step == 1 ? Json(nullptr) : Json(0.25 * step);
    metrics[m::kAccuracyWithoutChain] = 0.3;
    metrics[m::kStackAccuracy] = step == 1 ? Json(nullptr) : Json(0.2 * step);
    metrics[m::kThinkWords] = 10.0 + step;
    writer.append_metrics(metrics);
    writer.write_rollouts(step, records);
    if (step % 2 == 0) {
      Json eval;
      eval[m::kStep] = step;
      eval[m::kGreedyAccuracy] = 0.12 * step;
      eval[m::kPassAt1] = 0.1 * step;
      eval[m::kPassAtK] = 0.2 * step;
      eval[m::kMajAtK] = 0.15 * step;
      eval[m::kK] = 4;
      eval[m::kEvalFormatRate] = 0.9;
      eval[m::kMeanLengthEval] = 30.0;
      eval[m::kNumProblems] = 50;
      eval[m::kBreakdown] = Json{
          {m::kBreakdownField, "level"},
          {m::kBreakdownGroups,
           Json::array({Json{{m::kBreakdownValue, 1}, {m::kNumProblems, 20}, {m::kPassAt1, 0.2 * step}},
                        Json{{m::kBreakdownValue, 2}, {m::kNumProblems, 30}, {m::kPassAt1, 0.05 * step}}})}};
      writer.append_eval(eval);
    }
  }
}

std::string read_text_file(const fs::path& path) {
  logs::Decompressed content = logs::read_maybe_gzipped(path);
  return content.text;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace grpo::testing
