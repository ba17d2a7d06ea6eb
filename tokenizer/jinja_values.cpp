// Python's semantics for the renderer's values: truthiness, str(), json.dumps, operators, indexing, slicing.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tokenizer/jinja_builtins.h"

namespace grpo::jinja {

namespace {

std::string python_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return Value(value).dump();  // shortest round-trip digits, "1.0", "1e-05", "1e+16" as Python's repr
}

// Python's repr() of a string: single quotes unless the text holds ' and no ".
std::string python_repr(const std::string& text) {
  char quote = text.find('\'') != std::string::npos && text.find('"') == std::string::npos ? '"' : '\'';
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + quote;
}

std::string repr(const Value& value) {
  return value.is_string() ? python_repr(value.get<std::string>()) : to_text(value);
}

void json_string(std::string& out, const std::string& text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

struct JsonStyle {
  int indent;
  bool sort_keys;
  std::string item_separator, key_separator;
};

void json_dump(std::string& out, const Value& value, const JsonStyle& style, int depth) {
  if (is_undefined(value)) throw ValueError("tojson got an undefined value");
  if (value.is_string()) return json_string(out, value.get<std::string>());
  if (value.is_boolean()) {
    out += value.get<bool>() ? "true" : "false";
    return;
  }
  if (value.is_null()) {
    out += "null";
    return;
  }
  if (value.is_number_float()) {
    double number = value.get<double>();
    out += std::isnan(number)   ? "NaN"
           : std::isinf(number) ? (number > 0 ? "Infinity" : "-Infinity")
                                : python_float(number);
    return;
  }
  if (value.is_number()) {
    out += value.dump();
    return;
  }
  bool is_object = value.is_object();
  if (value.empty()) {
    out += is_object ? "{}" : "[]";
    return;
  }
  std::string newline =
      style.indent >= 0 ? "\n" + std::string(static_cast<size_t>(style.indent * (depth + 1)), ' ') : "";
  const std::string& separator = style.item_separator;
  out += is_object ? '{' : '[';
  out += newline;
  if (is_object) {
    std::vector<std::pair<std::string, const Value*>> entries;
    for (auto it = value.begin(); it != value.end(); ++it) entries.emplace_back(it.key(), &it.value());
    if (style.sort_keys)
      std::stable_sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out += separator + newline;
      json_string(out, entries[i].first);
      out += style.key_separator;
      json_dump(out, *entries[i].second, style, depth + 1);
    }
  } else {
    for (size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += separator + newline;
      json_dump(out, value[i], style, depth + 1);
    }
  }
  if (style.indent >= 0) out += "\n" + std::string(static_cast<size_t>(style.indent * depth), ' ');
  out += is_object ? '}' : ']';
}

bool is_whitespace(const std::string& character) {
  static const char* const spaces[] = {" ",
                                       "\t",
                                       "\n",
                                       "\v",
                                       "\f",
                                       "\r",
                                       "\x1c",
                                       "\x1d",
                                       "\x1e",
                                       "\x1f",
                                       "\xc2\x85",
                                       "\xc2\xa0",
                                       "\xe1\x9a\x80",
                                       "\xe2\x80\xa8",
                                       "\xe2\x80\xa9",
                                       "\xe2\x80\xaf",
                                       "\xe2\x81\x9f",
                                       "\xe3\x80\x80"};
  for (const char* space : spaces)
    if (character == space) return true;
  // U+2000 .. U+200A
  return character.size() == 3 && character[0] == '\xe2' && character[1] == '\x80' &&
         static_cast<unsigned char>(character[2]) >= 0x80 && static_cast<unsigned char>(character[2]) <= 0x8a;
}

bool is_number(const Value& v) {
  return v.is_number() || v.is_boolean();
}
double as_double(const Value& v) {
  return v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>();
}
int64_t as_integer(const Value& v) {
  return v.is_boolean() ? (v.get<bool>() ? 1 : 0) : v.get<int64_t>();
}
bool both_integers(const Value& a, const Value& b) {
  return (a.is_number_integer() || a.is_boolean()) && (b.is_number_integer() || b.is_boolean());
}

std::string type_name(const Value& v) {
  if (is_undefined(v)) return "undefined";
  if (v.is_null()) return "none";
  if (v.is_boolean()) return "bool";
  if (v.is_number_integer()) return "int";
  if (v.is_number_float()) return "float";
  if (v.is_string()) return "string";
  if (v.is_array()) return "list";
  return "dict";
}

bool python_equal(const Value& a, const Value& b) {
  if (is_undefined(a) || is_undefined(b)) return is_undefined(a) && is_undefined(b);
  if (is_number(a) && is_number(b)) {
    return both_integers(a, b) ? as_integer(a) == as_integer(b) : as_double(a) == as_double(b);
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!python_equal(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

int compare(const Value& a, const Value& b, const std::string& op) {
  if (is_number(a) && is_number(b)) {
    double x = as_double(a), y = as_double(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) return a.get<std::string>().compare(b.get<std::string>());
  throw ValueError(fmt::format("cannot compare {} {} {}", type_name(a), op, type_name(b)));
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Python's PySlice_AdjustIndices: the positions a[start:stop:step] visits.
std::vector<int64_t> slice_positions(int64_t length, const Value& start_value, const Value& stop_value,
                                     const Value& step_value) {
  auto integer_or = [](const Value& v, int64_t fallback) {
    if (is_undefined(v) || v.is_null()) return fallback;
    if (!v.is_number_integer()) throw ValueError("slice indices must be integers or none");
    return v.get<int64_t>();
  };
  int64_t step = integer_or(step_value, 1);
  if (step == 0) throw ValueError("a slice step cannot be zero");
  int64_t lower = step < 0 ? -1 : 0, upper = step < 0 ? length - 1 : length;
  auto clamp = [&](const Value& v, int64_t fallback) {
    if (is_undefined(v) || v.is_null()) return fallback;
    int64_t index = integer_or(v, 0);
    if (index < 0) index = std::max(index + length, lower);
    return std::min(index, upper);
  };
  int64_t start = clamp(start_value, step < 0 ? upper : lower);
  int64_t stop = clamp(stop_value, step < 0 ? lower : upper);
  std::vector<int64_t> positions;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) positions.push_back(i);
  return positions;
}

}  // namespace

Value undefined() {
  return Value(Value::value_t::discarded);
}
bool is_undefined(const Value& value) {
  return value.is_discarded();
}

bool truthy(const Value& value) {
  if (is_undefined(value) || value.is_null()) return false;
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number_integer()) return value.get<int64_t>() != 0;
  if (value.is_number()) return value.get<double>() != 0.0;
  if (value.is_string()) return !value.get<std::string>().empty();
  return !value.empty();
}

std::string to_text(const Value& value) {
  if (is_undefined(value)) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "None";
  if (value.is_boolean()) return value.get<bool>() ? "True" : "False";
  if (value.is_number_float()) return python_float(value.get<double>());
  if (value.is_number()) return value.dump();
  std::string out;
  if (value.is_array()) {
    for (const auto& item : value) out += (out.empty() ? "" : ", ") + repr(item);
    return "[" + out + "]";
  }
  for (auto it = value.begin(); it != value.end(); ++it)
    out += (out.empty() ? "" : ", ") + python_repr(it.key()) + ": " + repr(it.value());
  return "{" + out + "}";
}

std::string to_json(const Value& value, int indent, bool sort_keys, std::string item_separator,
                    std::string key_separator) {
  if (item_separator.empty()) item_separator = indent >= 0 ? "," : ", ";
  if (key_separator.empty()) key_separator = ": ";
  std::string out;
  json_dump(out, value, JsonStyle{indent, sort_keys, item_separator, key_separator}, 0);
  return out;
}

std::vector<std::string> characters(const std::string& text) {
  std::vector<std::string> result;
  for (size_t i = 0; i < text.size();) {
    size_t length = 1;
    auto lead = static_cast<unsigned char>(text[i]);
    if (lead >= 0xF0) {
      length = 4;
    } else if (lead >= 0xE0) {
      length = 3;
    } else if (lead >= 0xC0) {
      length = 2;
    }
    length = std::min(length, text.size() - i);
    result.push_back(text.substr(i, length));
    i += length;
  }
  return result;
}

std::string strip(const std::string& text, const Value& chars, bool left, bool right) {
  std::vector<std::string> set;
  bool whitespace = is_undefined(chars) || chars.is_null();
  if (!whitespace) {
    if (!chars.is_string()) throw ValueError("strip takes a string of characters or none");
    set = characters(chars.get<std::string>());
  }
  auto strippable = [&](const std::string& c) {
    return whitespace ? is_whitespace(c) : std::find(set.begin(), set.end(), c) != set.end();
  };
  std::vector<std::string> items = characters(text);
  size_t begin = 0, end = items.size();
  while (left && begin < end && strippable(items[begin])) ++begin;
  while (right && end > begin && strippable(items[end - 1])) --end;
  std::string out;
  for (size_t i = begin; i < end; ++i) out += items[i];
  return out;
}

bool contains(const Value& container, const Value& item) {
  if (container.is_string()) {
    if (!item.is_string())
      throw ValueError(fmt::format("`in <string>` needs a string on the left, got {}", type_name(item)));
    return container.get<std::string>().find(item.get<std::string>()) != std::string::npos;
  }
  if (container.is_array()) {
    for (const auto& element : container)
      if (python_equal(element, item)) return true;
    return false;
  }
  if (container.is_object()) return item.is_string() && container.contains(item.get<std::string>());
  if (is_undefined(container)) return false;
  throw ValueError(
      fmt::format("`in` needs a string, list or dict on the right, got {}", type_name(container)));
}

Value binary_operation(const std::string& op, const Value& left, const Value& right) {
  if (op == "==") return python_equal(left, right);
  if (op == "!=") return !python_equal(left, right);
  if (op == "<") return compare(left, right, op) < 0;
  if (op == ">") return compare(left, right, op) > 0;
  if (op == "<=") return compare(left, right, op) <= 0;
  if (op == ">=") return compare(left, right, op) >= 0;
  if (op == "in") return contains(right, left);
  if (op == "not in") return !contains(right, left);
  if (op == "~") return to_text(left) + to_text(right);
  if (is_undefined(left) || is_undefined(right))
    throw ValueError(fmt::format("`{}` on an undefined value", op));
  if (op == "+") {
    if (left.is_string() && right.is_string()) return left.get<std::string>() + right.get<std::string>();
    if (left.is_array() && right.is_array()) {
      Value joined = left;
      for (const auto& item : right) joined.push_back(item);
      return joined;
    }
  }
  if (op == "*" && left.is_string() && right.is_number_integer()) {
    std::string out;
    for (int64_t i = 0; i < right.get<int64_t>(); ++i) out += left.get<std::string>();
    return out;
  }
  if (!is_number(left) || !is_number(right))
    throw ValueError(
        fmt::format("unsupported operand types for {}: {} and {}", op, type_name(left), type_name(right)));
  bool integers = both_integers(left, right);
  if (op == "/") {
    if (as_double(right) == 0) throw ValueError("division by zero");
    return as_double(left) / as_double(right);
  }
  if (integers) {
    int64_t a = as_integer(left), b = as_integer(right);
    if (op == "+") return a + b;
    if (op == "-") return a - b;
    if (op == "*") return a * b;
    if ((op == "//" || op == "%") && b == 0) throw ValueError("division by zero");
    if (op == "//") return floor_div(a, b);
    if (op == "%") return a - floor_div(a, b) * b;
    if (op == "**" && b >= 0) {
      int64_t result = 1;
      for (int64_t i = 0; i < b; ++i) result *= a;
      return result;
    }
  }
  double a = as_double(left), b = as_double(right);
  if (op == "+") return a + b;
  if (op == "-") return a - b;
  if (op == "*") return a * b;
  if (op == "**") return std::pow(a, b);
  if (b == 0) throw ValueError("division by zero");
  if (op == "//") return std::floor(a / b);
  if (op == "%") return a - std::floor(a / b) * b;
  throw ValueError(fmt::format("unsupported operator {}", op));
}

Value subscript(const Value& container, const Value& key) {
  if (is_undefined(container)) throw ValueError("cannot index an undefined value");
  if (container.is_object()) {
    if (!key.is_string()) return undefined();
    auto it = container.find(key.get<std::string>());
    return it == container.end() ? undefined() : *it;
  }
  if ((container.is_array() || container.is_string()) && key.is_number_integer()) {
    int64_t index = key.get<int64_t>();
    if (container.is_array()) {
      int64_t size = static_cast<int64_t>(container.size());
      if (index < 0) index += size;
      return index >= 0 && index < size ? container[static_cast<size_t>(index)] : undefined();
    }
    std::vector<std::string> items = characters(container.get<std::string>());
    int64_t size = static_cast<int64_t>(items.size());
    if (index < 0) index += size;
    return index >= 0 && index < size ? Value(items[static_cast<size_t>(index)]) : undefined();
  }
  return undefined();
}

Value slice(const Value& container, const Value& start, const Value& stop, const Value& step) {
  if (container.is_array()) {
    Value result = Value::array();
    for (int64_t i : slice_positions(static_cast<int64_t>(container.size()), start, stop, step))
      result.push_back(container[static_cast<size_t>(i)]);
    return result;
  }
  if (container.is_string()) {
    std::vector<std::string> items = characters(container.get<std::string>());
    std::string result;
    for (int64_t i : slice_positions(static_cast<int64_t>(items.size()), start, stop, step))
      result += items[static_cast<size_t>(i)];
    return result;
  }
  throw ValueError(fmt::format("cannot slice a {}", type_name(container)));
}

Value attribute(const Value& value, const std::string& name) {
  if (is_undefined(value)) throw ValueError(fmt::format("cannot read `.{}` of an undefined value", name));
  if (value.is_object()) {
    auto it = value.find(name);
    return it == value.end() ? undefined() : *it;
  }
  return undefined();
}

}  // namespace grpo::jinja
