// How `grpo logs` prints a run on a terminal: the per-step summary, evaluations and completions, with
// optional ANSI colour. Model text is untrusted: control characters are shown as ^X and never reach the
// terminal raw.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "logs/json_lines.h"
#include "logs/rollout_record.h"

namespace grpo::logs {

struct Palette {
  std::string bold, dim, red, green, yellow, cyan, reset;
  static Palette plain();  // every field empty
  static Palette ansi();
};

// Control characters (C0 but newline and tab, DEL, C1) become caret or \u escapes; everything else is kept.
std::string sanitize_for_terminal(std::string_view text);

// One text line, shortened to at most `max_chars` bytes with "…" (newlines shown as ⏎).
std::string one_line(std::string_view text, size_t max_chars);

// With `moe` (a mixture-of-experts run: has_moe_metrics), two more columns: the expert load (busiest expert
// over the mean, mean over layers) and the share of tokens whose experts changed since the rollout's policy.
std::string format_summary_header(const Palette& palette, bool moe = false);
std::string format_summary_row(const Json& metrics, const Palette& palette);
bool has_moe_metrics(const Json& metrics);
// A `grpo sft` step (loss and no reward): step, loss, eval loss, learning rate, gradient norm, epoch.
bool is_supervised_step(const Json& metrics);
std::string format_supervised_header(const Palette& palette);
std::string format_supervised_row(const Json& metrics, const Palette& palette);
std::string format_eval_header(const Palette& palette);
std::string format_eval_row(const Json& eval, const Palette& palette);

struct RolloutFormat {
  bool hide_think = false;
  Palette palette = Palette::plain();
};
std::string format_rollout(const RolloutRecord& record, const RolloutFormat& format);

// The completion without its reasoning: the think block's text becomes "[reasoning hidden: N characters]".
std::string completion_without_think(const std::string& completion);

// The --json form of a record: as read, or with the reasoning removed (--hide-think).
Json rollout_output_json(const RolloutRecord& record, bool hide_think);

}  // namespace grpo::logs
