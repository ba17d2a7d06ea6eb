#include "rewards/answer_normalization.h"

#include <vector>

#include "rewards/text_scan.h"

namespace grpo {

using text::is_ascii_letter;
using text::is_digit;
using text::is_space;

namespace {

bool is_one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view candidate : names) {
    if (name == candidate) return true;
  }
  return false;
}

// Removes "^{}" and a '^' left with nothing after it (what remains of "90^{\circ}" and "90^\circ").
std::string drop_empty_superscripts(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '^') {
      if (i + 2 < in.size() && in[i + 1] == '{' && in[i + 2] == '}') {
        i += 2;
        continue;
      }
      if (i + 1 == in.size() || is_space(in[i + 1])) continue;
    }
    out += in[i];
  }
  return out;
}

}  // namespace

std::string clean_answer(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::vector<bool> brace_dropped;  // one entry per open '{': true when it belongs to an unwrapped command
  size_t i = 0;
  auto skip_spaces = [&](size_t j) {
    while (j < in.size() && is_space(in[j])) ++j;
    return j;
  };
  while (i < in.size()) {
    char c = in[i];
    if (in.compare(i, 3, "{,}") == 0) {  // LaTeX's comma without math spacing: "10{,}000" is 10,000
      out += ',';
      i += 3;
      continue;
    }
    if (c == '\\') {
      size_t j = i + 1;
      if (j < in.size() && is_ascii_letter(in[j])) {
        while (j < in.size() && is_ascii_letter(in[j])) ++j;
        std::string_view name = in.substr(i + 1, j - i - 1);
        if (is_one_of(name, {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
                             "displaystyle", "textstyle"})) {
          i = j;
          if ((name == "left" || name == "right") && i < in.size() && in[i] == '.') ++i;
          continue;
        }
        if (name == "dfrac" || name == "tfrac") {
          out += "\\frac";
          i = j;
          continue;
        }
        if (is_one_of(name, {"text", "textbf", "textit", "textrm", "mathrm", "mathbf", "mathit", "mbox",
                             "boxed", "fbox"})) {
          size_t k = skip_spaces(j);
          if (k < in.size() && in[k] == '{') {
            brace_dropped.push_back(true);
            i = k + 1;
          } else {
            i = j;
          }
          continue;
        }
        if (name == "circ" || name == "degree") {
          i = j;
          continue;
        }
        if (name == "quad" || name == "qquad") {
          out += ' ';
          i = j;
          continue;
        }
        out.append(in.substr(i, j - i));
        i = j;
        continue;
      }
      if (j < in.size()) {
        char d = in[j];
        if (d == '!') {
          i = skip_spaces(j + 1);
          continue;
        }
        if (d == ',' || d == ';' || d == ':' || d == ' ') {
          out += ' ';
          i = j + 1;
          continue;
        }
        if (d == '%') {
          out += '%';
          i = j + 1;
          continue;
        }
        if (d == '$' || d == '(' || d == ')' || d == '[' || d == ']') {
          i = j + 1;
          continue;
        }
        out += c;  // \{ \} \\ and the like stay as they are and never touch the brace stack
        out += d;
        i = j + 1;
        continue;
      }
      out += c;
      ++i;
      continue;
    }
    if (c == '$') {
      ++i;
      continue;
    }
    if (c == '{') {
      brace_dropped.push_back(false);
      out += c;
      ++i;
      continue;
    }
    if (c == '}') {
      bool dropped = false;
      if (!brace_dropped.empty()) {
        dropped = brace_dropped.back();
        brace_dropped.pop_back();
      }
      if (!dropped) out += c;
      ++i;
      continue;
    }
    std::string_view rest = in.substr(i);
    if (starts_with(rest, "\xE2\x88\x92")) {  // U+2212 minus sign
      out += '-';
      i += 3;
      continue;
    }
    if (starts_with(rest, "\xC2\xB0")) {  // U+00B0 degree sign
      i += 2;
      continue;
    }
    if (starts_with(rest, "\xC2\xA0")) {  // U+00A0 no-break space
      out += ' ';
      i += 2;
      continue;
    }
    out += c;
    ++i;
  }

  out = drop_empty_superscripts(out);
  std::string_view view = text::trim(out);
  while (!view.empty() && view.back() == '.') view = text::trim(view.substr(0, view.size() - 1));
  // "x = 5" -> "5": one '=' with a single ASCII letter on its left.
  size_t equals = view.find('=');
  if (equals != std::string_view::npos && view.find('=', equals + 1) == std::string_view::npos) {
    std::string_view left = text::trim(view.substr(0, equals));
    if (left.size() == 1 && is_ascii_letter(left[0])) view = text::trim(view.substr(equals + 1));
  }
  return std::string(view);
}

namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool done() const { return position_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return position_ + ahead < text_.size() ? text_[position_ + ahead] : '\0';
  }
  std::string_view rest() const { return text_.substr(std::min(position_, text_.size())); }
  size_t position() const { return position_; }
  void advance(size_t count = 1) { position_ += count; }
  // Skips whitespace; returns whether any was skipped.
  bool skip_spaces() {
    size_t start = position_;
    while (!done() && is_space(text_[position_])) ++position_;
    return position_ > start;
  }
  bool consume(std::string_view token) {
    if (!starts_with(rest(), token)) return false;
    position_ += token.size();
    return true;
  }

 private:
  std::string_view text_;
  size_t position_ = 0;
};

// An unsigned decimal: digits with optional thousands groups, optional ".digits"; or ".digits".
std::optional<Decimal> parse_unsigned_decimal(Cursor& cursor, bool* has_point) {
  std::string integer;
  size_t first_group = 0;
  while (is_digit(cursor.peek())) {
    integer += cursor.peek();
    cursor.advance();
    ++first_group;
  }
  if (first_group > 0 && first_group <= 3) {
    while (cursor.peek() == ',' && is_digit(cursor.peek(1)) && is_digit(cursor.peek(2)) &&
           is_digit(cursor.peek(3)) && !is_digit(cursor.peek(4))) {
      integer.append(cursor.rest().substr(1, 3));
      cursor.advance(4);
    }
  }
  std::string fraction;
  if (cursor.peek() == '.' && is_digit(cursor.peek(1))) {
    cursor.advance();
    while (is_digit(cursor.peek())) {
      fraction += cursor.peek();
      cursor.advance();
    }
    *has_point = true;
  }
  if (integer.empty() && fraction.empty()) return std::nullopt;
  return make_decimal(integer, fraction);
}

// One argument of \frac: "{[-]decimal}" or a single digit. Flips *negative for a sign inside the braces.
std::optional<Decimal> parse_frac_argument(Cursor& cursor, bool* negative) {
  cursor.skip_spaces();
  if (cursor.consume("{")) {
    cursor.skip_spaces();
    if (cursor.consume("-")) *negative = !*negative;
    bool has_point = false;
    auto value = parse_unsigned_decimal(cursor, &has_point);
    cursor.skip_spaces();
    if (!value || !cursor.consume("}")) return std::nullopt;
    return value;
  }
  if (is_digit(cursor.peek())) {
    Decimal digit = make_decimal(cursor.rest().substr(0, 1), "");
    cursor.advance();
    return digit;
  }
  return std::nullopt;
}

// Unit words after a number: ASCII letters, spaces, '/', '.', '-' and "^digit" ("cm^2", "km/h", "US
// dollars"). Without a space before them they must start with two letters ("5cm", not "5i" or "2k").
bool is_unit_text(std::string_view unit, bool space_before) {
  if (unit.empty()) return true;
  if (!is_ascii_letter(unit[0])) return false;
  if (!space_before && (unit.size() < 2 || !is_ascii_letter(unit[1]))) return false;
  for (size_t i = 0; i < unit.size(); ++i) {
    char c = unit[i];
    if (is_ascii_letter(c) || is_space(c) || c == '/' || c == '.' || c == '-') continue;
    if (c == '^' && i + 1 < unit.size() && is_digit(unit[i + 1])) {
      ++i;
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

std::optional<ExactNumber> parse_answer_number(std::string_view cleaned) {
  Cursor cursor(cleaned);
  ExactNumber number;
  bool negative = false;
  bool signed_already = false;
  auto read_sign = [&] {
    cursor.skip_spaces();
    if (signed_already) return;
    if (cursor.consume("-")) {
      negative = true;
      signed_already = true;
    } else if (cursor.consume("+")) {
      signed_already = true;
    }
    cursor.skip_spaces();
  };
  read_sign();
  if (cursor.consume("\xE2\x82\xAC") || cursor.consume("\xC2\xA3") || cursor.consume("\xC2\xA5")) read_sign();

  auto parse_frac = [&](Decimal* numerator, Decimal* denominator) {
    auto top = parse_frac_argument(cursor, &negative);
    if (!top) return false;
    auto bottom = parse_frac_argument(cursor, &negative);
    if (!bottom || bottom->is_zero()) return false;
    *numerator = *top;
    *denominator = *bottom;
    return true;
  };

  if (cursor.consume("\\frac")) {
    if (!parse_frac(&number.numerator, &number.denominator)) return std::nullopt;
    number.written_as_integer = false;
  } else {
    bool has_point = false;
    auto whole = parse_unsigned_decimal(cursor, &has_point);
    if (!whole) return std::nullopt;
    number.numerator = *whole;
    number.written_as_integer = !has_point;
    Cursor lookahead = cursor;
    lookahead.skip_spaces();
    if (!has_point && lookahead.consume("\\frac")) {  // mixed number: 1\frac{4}{5}
      cursor = lookahead;
      Decimal top;
      Decimal bottom;
      bool inner_negative = negative;
      if (!parse_frac(&top, &bottom) || negative != inner_negative) return std::nullopt;
      auto scaled = multiply(*whole, bottom);
      if (!scaled) return std::nullopt;
      auto sum = add(*scaled, top);
      if (!sum) return std::nullopt;
      number.numerator = *sum;
      number.denominator = bottom;
      number.written_as_integer = false;
    } else if (lookahead.peek() == '/') {  // a/b
      lookahead.advance();
      lookahead.skip_spaces();
      bool bottom_point = false;
      auto bottom = parse_unsigned_decimal(lookahead, &bottom_point);
      if (!bottom || bottom->is_zero()) return std::nullopt;
      cursor = lookahead;
      number.denominator = *bottom;
      number.written_as_integer = false;
    }
  }
  bool space_before = cursor.skip_spaces();
  if (cursor.consume("%")) space_before = cursor.skip_spaces();
  if (!is_unit_text(text::trim(cursor.rest()), space_before)) return std::nullopt;
  number.negative = negative && !number.numerator.is_zero();
  return number;
}

std::string canonical_answer_text(std::string_view cleaned) {
  std::string compact;
  compact.reserve(cleaned.size());
  for (char c : cleaned) {
    if (!is_space(c)) compact += c;
  }
  std::string out;
  out.reserve(compact.size());
  for (size_t i = 0; i < compact.size(); ++i) {
    char c = compact[i];
    bool escaped = i > 0 && compact[i - 1] == '\\';
    if (c == '{' && !escaped && i + 2 < compact.size() && compact[i + 2] == '}') {
      char inner = compact[i + 1];
      if (inner != '{' && inner != '}' && inner != '\\') {
        out += inner;
        i += 2;
        continue;
      }
    }
    out += c;
  }
  bool word = !out.empty();
  for (char c : out) word = word && is_ascii_letter(c);
  if (word) {
    for (char& c : out) c = text::to_lower_ascii(c);
  }
  return out;
}

}  // namespace grpo
