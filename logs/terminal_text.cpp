#include "logs/terminal_text.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "logs/completion_parts.h"
#include "logs/metric_names.h"
#include "logs/run_reader.h"

namespace grpo::logs {

Palette Palette::plain() {
  return Palette{};
}

Palette Palette::ansi() {
  return Palette{"\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[36m", "\x1b[0m"};
}

std::string sanitize_for_terminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n' || byte == '\t') {
      out.push_back(static_cast<char>(byte));
    } else if (byte < 0x20) {
      out.push_back('^');
      out.push_back(static_cast<char>(byte + 0x40));
    } else if (byte == 0x7f) {
      out += "^?";
    } else if (byte == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[i + 1]));  // a C1 control, e.g. CSI
      ++i;
    } else {
      out.push_back(static_cast<char>(byte));
    }
  }
  return out;
}

std::string one_line(std::string_view text, size_t max_chars) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max_chars) {
      // Do not end inside a UTF-8 character.
      while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xc0) == 0x80) out.pop_back();
      if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xc0) out.pop_back();
      return out + "…";
    }
    if (c == '\n') {
      out += "⏎ ";
    } else if (c == '\r') {
      continue;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

std::string number(const std::optional<double>& value, const char* spec_format) {
  if (!value) return "-";
  return fmt::format(fmt::runtime(spec_format), *value);
}

std::string percent(const std::optional<double>& value) {
  if (!value) return "-";
  return fmt::format("{:.1f}%", 100.0 * *value);
}

std::string reward_colour(double advantage, const Palette& palette) {
  if (std::isnan(advantage) || advantage == 0) return {};
  return advantage > 0 ? palette.green : palette.red;
}

// "[reasoning hidden: 12 characters]" (characters, not bytes), "... 1 character]", "[reasoning hidden:
// empty]".
std::string hidden_reasoning_note(std::string_view think) {
  size_t characters = 0;
  bool blank = true;
  for (char c : think) {
    characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    blank = blank && (c == ' ' || c == '\n' || c == '\t' || c == '\r');
  }
  if (blank) return "[reasoning hidden: empty]";
  return fmt::format("[reasoning hidden: {} character{}]", characters, characters == 1 ? "" : "s");
}

std::string score_text(const std::optional<double>& score) {
  if (!score) return "n/a";
  return fmt::format("{:g}", *score);
}

}  // namespace

std::string format_summary_header(const Palette& palette, bool moe) {
  return fmt::format("{}{:>7} {:>9} {:>8} {:>9} {:>8} {:>9}{}{}\n", palette.bold, "step", "reward", "±std",
                     "accuracy", "format", "length",
                     moe ? fmt::format(" {:>8} {:>9}", "load", "rerouted") : std::string(), palette.reset);
}

bool has_moe_metrics(const Json& metrics) {
  return metrics.contains(metric::kMoeLoadRatio);
}

std::string format_summary_row(const Json& metrics, const Palette& palette) {
  std::string moe;
  if (has_moe_metrics(metrics)) {
    moe = fmt::format(" {:>8} {:>9}", number(number_field(metrics, metric::kMoeLoadRatio), "{:.2f}"),
                      percent(number_field(metrics, metric::kMoeRoutingChanged)));
  }
  return fmt::format("{:>7} {:>9} {:>8} {:>9} {:>8} {:>9}{}\n", step_of(metrics),
                     number(number_field(metrics, "reward"), "{:.3f}"),
                     number(number_field(metrics, "reward_std"), "{:.3f}"),
                     percent(number_field(metrics, "accuracy")),
                     percent(number_field(metrics, "format_rate")),
                     number(number_field(metrics, "completions/mean_length"), "{:.1f}"), moe);
}

bool is_supervised_step(const Json& metrics) {
  return metrics.contains("loss") && !metrics.contains("reward");
}

std::string format_supervised_header(const Palette& palette) {
  return fmt::format("{}{:>7} {:>9} {:>9} {:>10} {:>9} {:>7}{}\n", palette.bold, "step", "loss", "eval loss",
                     "lr", "grad norm", "epoch", palette.reset);
}

std::string format_supervised_row(const Json& metrics, const Palette&) {
  return fmt::format(
      "{:>7} {:>9} {:>9} {:>10} {:>9} {:>7}\n", step_of(metrics),
      number(number_field(metrics, "loss"), "{:.4f}"), number(number_field(metrics, "eval_loss"), "{:.4f}"),
      number(number_field(metrics, "learning_rate"), "{:.2e}"),
      number(number_field(metrics, "grad_norm"), "{:.3f}"), number(number_field(metrics, "epoch"), "{:.2f}"));
}

std::string format_eval_header(const Palette& palette) {
  return fmt::format("{}{:>7} {:>8} {:>8} {:>8} {:>8} {:>4} {:>8} {:>9} {:>9}{}\n", palette.bold, "step",
                     "greedy", "pass@1", "pass@k", "maj@k", "k", "format", "length", "problems",
                     palette.reset);
}

std::string format_eval_row(const Json& eval, const Palette& palette) {
  namespace m = metric;
  return fmt::format("{:>7} {:>8} {:>8} {:>8} {:>8} {:>4} {:>8} {:>9} {:>9}\n", step_of(eval),
                     percent(number_field(eval, m::kGreedyAccuracy)),
                     percent(number_field(eval, m::kPassAt1)), percent(number_field(eval, m::kPassAtK)),
                     percent(number_field(eval, m::kMajAtK)), number(number_field(eval, m::kK), "{:g}"),
                     percent(number_field(eval, m::kEvalFormatRate)),
                     number(number_field(eval, m::kMeanLengthEval), "{:.1f}"),
                     number(number_field(eval, m::kNumProblems), "{:g}"));
}

std::string completion_without_think(const std::string& completion) {
  CompletionParts parts = split_completion(completion);
  if (!parts.think) return completion;
  return completion.substr(0, parts.think->begin) +
         hidden_reasoning_note(std::string_view(completion).substr(parts.think->begin, parts.think->size())) +
         completion.substr(parts.think->end);
}

std::string format_rollout(const RolloutRecord& record, const RolloutFormat& format) {
  const Palette& p = format.palette;
  std::string out;
  out += fmt::format("{}{}── step {} · group {} · sample {} · question {} ──{}\n", p.bold, p.cyan,
                     record.step, record.group, record.sample,
                     sanitize_for_terminal(one_line(record.question_id, 80)), p.reset);
  out += fmt::format("reward {}{}{:.3f}{}  advantage {:+.3f}  length {} tokens  finish {}{}{}\n", p.bold,
                     reward_colour(record.advantage, p), record.reward, p.reset, record.advantage,
                     record.length, record.finish_reason == "length" ? p.yellow : "",
                     sanitize_for_terminal(record.finish_reason), p.reset);
  for (const auto& verdict : record.rewards) {
    out += fmt::format("  {}{}{} = {}{}{}\n", p.dim, sanitize_for_terminal(verdict.name), p.reset,
                       score_text(verdict.score), verdict.reason.empty() ? "" : "  ",
                       sanitize_for_terminal(one_line(verdict.reason, 200)));
  }
  out += fmt::format("{}question:{} {}\n", p.dim, p.reset,
                     sanitize_for_terminal(one_line(record.question, 300)));
  out += fmt::format("{}gold:{} {}\n", p.dim, p.reset, sanitize_for_terminal(one_line(record.gold, 300)));

  // The completion, with the reasoning dimmed (or hidden) and the answer in bold.
  const std::string& text = record.completion;
  CompletionParts parts = split_completion(text);
  size_t position = 0;
  auto emit_plain = [&](size_t end) {
    if (end > position) out += sanitize_for_terminal(std::string_view(text).substr(position, end - position));
    position = std::max(position, end);
  };
  if (parts.think) {
    emit_plain(parts.think->begin);
    if (format.hide_think) {
      out += p.dim +
             hidden_reasoning_note(std::string_view(text).substr(parts.think->begin, parts.think->size())) +
             p.reset;
    } else {
      out += p.dim +
             sanitize_for_terminal(std::string_view(text).substr(parts.think->begin, parts.think->size())) +
             p.reset;
    }
    position = parts.think->end;
  }
  if (parts.answer) {
    emit_plain(parts.answer->begin);
    out += p.bold +
           sanitize_for_terminal(std::string_view(text).substr(parts.answer->begin, parts.answer->size())) +
           p.reset;
    position = parts.answer->end;
  }
  emit_plain(text.size());
  if (out.empty() || out.back() != '\n') out += '\n';
  out += '\n';
  return out;
}

Json rollout_output_json(const RolloutRecord& record, bool hide_think) {
  RolloutRecord shown = record;
  if (hide_think) {
    shown.completion = completion_without_think(record.completion);
    shown.think.reset();
  }
  Json object = rollout_to_json(shown, /*split_parts=*/false);
  if (hide_think) object.erase("think");
  return object;
}

}  // namespace grpo::logs
