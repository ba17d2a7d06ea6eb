// Normalising answers written in plain text or LaTeX: strip markup that does not change the value ($,
// \text{}, \left/\right, spacing, degrees), read a number out of the result (commas, currency, percent,
// units, fractions, mixed numbers), and give the canonical text used for string comparison. All linear-time
// scanners.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rewards/exact_number.h"

namespace grpo {

// Markup removal; keeps everything that could change the value. Rules (docs/REWARDS.md has the full list):
// drops $ and \( \) \[ \], \left \right \big \displaystyle, \! (and the spaces after it), degree marks
// (^\circ, \circ, \degree, U+00B0), \$; unwraps \text{..} \textbf{..} \mathrm{..} \mbox{..} \boxed{..}
// \fbox{..}; \dfrac and \tfrac become \frac; \, \; \: \quad become spaces; U+2212 becomes '-'; a trailing '.'
// goes; a single "v = " prefix (one ASCII letter, one '=') goes.
std::string clean_answer(std::string_view answer);

// Reads `cleaned` (output of clean_answer) as one number: [sign] [currency €£¥] (decimal | a/b | \frac{a}{b}
// | whole \frac{a}{b}) [%] [unit words]. Decimals may use thousands commas ("1,234,567.5"). Nullopt when the
// text is anything else ("2k", "3\sqrt{2}", "1,2").
std::optional<ExactNumber> parse_answer_number(std::string_view cleaned);

// The text used for string comparison: cleaned, without whitespace, with single-character braces unwrapped
// (\frac{1}{2} -> \frac12, x^{2} -> x^2), and lower-cased when it is a single word of ASCII letters.
std::string canonical_answer_text(std::string_view cleaned);

}  // namespace grpo
