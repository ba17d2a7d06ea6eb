// The filters, tests, global functions and value methods the chat-template renderer supports, with Python's
// (jinja2's) semantics.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/jinja_ast.h"

namespace grpo::jinja {

// What a builtin throws on bad input; the evaluator adds the template's line and column.
struct ValueError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool is_undefined(const Value& value);
Value undefined();
bool truthy(const Value& value);
// Python's str(): strings as they are, None, True/False, Python list and dict reprs; undefined is "".
std::string to_text(const Value& value);
// transformers' tojson: json.dumps(value, ensure_ascii=False, indent=indent (none: -1), separators,
// sort_keys); empty separators mean Python's defaults (", " or "," with an indent, and ": ").
std::string to_json(const Value& value, int indent = -1, bool sort_keys = false,
                    std::string item_separator = "", std::string key_separator = "");

// Positional and keyword arguments after evaluation.
struct Arguments {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keywords;
  // The argument at `index`, or the keyword `name`, or `fallback`.
  const Value& get(size_t index, const std::string& name, const Value& fallback) const;
};

// The characters (code points, each as its UTF-8 bytes) of a string: what Python indexes, slices and counts.
std::vector<std::string> characters(const std::string& text);
// Python's str.strip / lstrip / rstrip: `chars` (a set of characters) or, when null, whitespace.
std::string strip(const std::string& text, const Value& chars, bool left, bool right);

bool is_supported_filter(const std::string& name);
bool is_supported_test(const std::string& name);

// Each throws ValueError on bad arguments or unsupported names.
Value apply_filter(const std::string& name, const Value& value, const Arguments& arguments);
bool apply_test(const std::string& name, const Value& value, const Arguments& arguments);
// value.method(arguments) for strings (startswith, split, strip, ...) and dicts (items, keys, values, get).
Value call_method(const Value& value, const std::string& method, const Arguments& arguments);

// Python's operators on values: + - * / // % ** ~, comparisons, `in`, subscripts and slices.
Value binary_operation(const std::string& op, const Value& left, const Value& right);
bool contains(const Value& container, const Value& item);
Value subscript(const Value& container, const Value& key);
Value slice(const Value& container, const Value& start, const Value& stop, const Value& step);
// jinja2's attribute lookup: a dict key (or undefined), or a string's method is only reachable through calls.
Value attribute(const Value& value, const std::string& name);

}  // namespace grpo::jinja
