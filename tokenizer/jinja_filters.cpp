// The filters, tests and value methods of the chat-template renderer, as jinja2 and Python define them.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "tokenizer/jinja_builtins.h"

namespace grpo::jinja {

namespace {

const Value& null_value() {
  static const Value null = nullptr;
  return null;
}

std::string text_argument(const Arguments& arguments, size_t index, const std::string& name,
                          const std::string& what) {
  const Value& value = arguments.get(index, name, undefined());
  if (!value.is_string()) throw ValueError(fmt::format("{} needs a string argument `{}`", what, name));
  return value.get<std::string>();
}

std::string replace_all(std::string text, const std::string& old, const std::string& replacement,
                        int64_t count) {
  if (old.empty()) {  // Python inserts the replacement between every character
    std::string out;
    int64_t done = 0;
    for (const auto& c : characters(text)) {
      if (count < 0 || done < count) out += replacement, ++done;
      out += c;
    }
    if (count < 0 || done < count) out += replacement;
    return out;
  }
  std::string out;
  size_t at = 0;
  for (int64_t done = 0; count < 0 || done < count; ++done) {
    size_t found = text.find(old, at);
    if (found == std::string::npos) break;
    out += text.substr(at, found - at) + replacement;
    at = found + old.size();
  }
  return out + text.substr(at);
}

int64_t count_argument(const Arguments& arguments, size_t index, const std::string& name) {
  const Value& value = arguments.get(index, name, null_value());
  if (value.is_null()) return -1;
  if (!value.is_number_integer()) throw ValueError(fmt::format("`{}` must be an integer", name));
  return value.get<int64_t>();
}

// Python's str.split(sep, maxsplit): no separator splits on whitespace runs.
Value split(const std::string& text, const Value& separator, int64_t max_split) {
  Value parts = Value::array();
  if (separator.is_null() || is_undefined(separator)) {
    std::string word;
    bool in_word = false;
    int64_t splits = 0;
    std::vector<std::string> items = characters(text);
    for (size_t i = 0; i < items.size(); ++i) {
      bool space = strip(items[i], null_value(), true, true).empty();
      if (space && in_word && (max_split < 0 || splits < max_split)) {
        parts.push_back(word);
        word.clear();
        in_word = false;
        ++splits;
      } else if (!space || in_word) {
        if (!in_word && max_split >= 0 && splits >= max_split) {  // the rest, left-stripped, is the last part
          std::string rest;
          for (size_t j = i; j < items.size(); ++j) rest += items[j];
          parts.push_back(strip(rest, null_value(), false, true));
          return parts;
        }
        word += items[i];
        in_word = true;
      }
    }
    if (in_word) parts.push_back(word);
    return parts;
  }
  if (!separator.is_string()) throw ValueError("split takes a string separator");
  const std::string& sep = separator.get<std::string>();
  if (sep.empty()) throw ValueError("split: empty separator");
  size_t at = 0;
  for (int64_t splits = 0; max_split < 0 || splits < max_split; ++splits) {
    size_t found = text.find(sep, at);
    if (found == std::string::npos) break;
    parts.push_back(text.substr(at, found - at));
    at = found + sep.size();
  }
  parts.push_back(text.substr(at));
  return parts;
}

std::string ascii_case(std::string text, bool upper) {
  for (char& c : text) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

std::string capitalize(const std::string& text) {
  std::string lower = ascii_case(text, false);
  if (!lower.empty()) lower[0] = ascii_case(lower.substr(0, 1), true)[0];
  return lower;
}

std::string title(const std::string& text) {
  std::string out = text;
  bool start = true;
  for (char& c : out) {
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (letter) c = start ? ascii_case(std::string(1, c), true)[0] : ascii_case(std::string(1, c), false)[0];
    start = !letter;
  }
  return out;
}

bool starts_or_ends_with(const std::string& text, const Value& affix, bool at_start) {
  auto one = [&](const Value& candidate) {
    if (!candidate.is_string()) throw ValueError("startswith/endswith take a string or a list of strings");
    const std::string& a = candidate.get<std::string>();
    if (a.size() > text.size()) return false;
    return at_start ? text.compare(0, a.size(), a) == 0
                    : text.compare(text.size() - a.size(), a.size(), a) == 0;
  };
  if (affix.is_array()) return std::any_of(affix.begin(), affix.end(), one);
  return one(affix);
}

// Iterates what Python would: a list's items, a dict's keys, a string's characters.
Value as_list(const Value& value, const std::string& what) {
  if (value.is_array()) return value;
  if (is_undefined(value)) return Value::array();
  Value items = Value::array();
  if (value.is_string()) {
    for (const auto& c : characters(value.get<std::string>())) items.push_back(c);
  } else if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) items.push_back(it.key());
  } else {
    throw ValueError(fmt::format("{} needs a list, got {}", what, value.type_name()));
  }
  return items;
}

Value dict_items(const Value& value) {
  if (!value.is_object()) throw ValueError("items() needs a dict");
  Value items = Value::array();
  for (auto it = value.begin(); it != value.end(); ++it)
    items.push_back(Value::array({it.key(), it.value()}));
  return items;
}

// `attribute` may be dotted ("function.name"), as jinja2's attribute getters allow.
Value attribute_path(const Value& item, const std::string& path) {
  Value current = item;
  size_t at = 0;
  while (true) {
    size_t dot = path.find('.', at);
    std::string part = path.substr(at, dot == std::string::npos ? std::string::npos : dot - at);
    bool numeric =
        !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    current = numeric ? subscript(current, std::stoll(part)) : attribute(current, part);
    if (dot == std::string::npos) return current;
    at = dot + 1;
  }
}

// select / reject / selectattr / rejectattr: arguments after the test name go to the test.
Value select(const Value& value, const Arguments& arguments, bool by_attribute, bool keep) {
  size_t next = 0;
  std::string path;
  if (by_attribute) path = text_argument(arguments, next++, "attribute", "selectattr/rejectattr");
  std::string test;
  if (arguments.positional.size() > next) {
    if (!arguments.positional[next].is_string()) throw ValueError("select: the test name must be a string");
    test = arguments.positional[next++].get<std::string>();
    if (!is_supported_test(test)) throw ValueError(fmt::format("the test `{}` is not supported", test));
  }
  Arguments test_arguments;
  test_arguments.positional.assign(
      arguments.positional.begin() + static_cast<std::ptrdiff_t>(std::min(next, arguments.positional.size())),
      arguments.positional.end());
  Value kept = Value::array();
  for (const auto& item : as_list(value, "select")) {
    Value subject = by_attribute ? attribute_path(item, path) : item;
    bool passes = test.empty() ? truthy(subject) : apply_test(test, subject, test_arguments);
    if (passes == keep) kept.push_back(item);
  }
  return kept;
}

Value map_filter(const Value& value, const Arguments& arguments) {
  Value mapped = Value::array();
  const Value& attribute_name = arguments.get(99, "attribute", undefined());
  if (attribute_name.is_string()) {
    const Value& fallback = arguments.get(99, "default", undefined());
    for (const auto& item : as_list(value, "map")) {
      Value result = attribute_path(item, attribute_name.get<std::string>());
      mapped.push_back(is_undefined(result) && !is_undefined(fallback) ? fallback : result);
    }
    return mapped;
  }
  if (arguments.positional.empty() || !arguments.positional[0].is_string())
    throw ValueError("map needs attribute='name' or a filter name");
  std::string filter = arguments.positional[0].get<std::string>();
  if (!is_supported_filter(filter)) throw ValueError(fmt::format("the filter `{}` is not supported", filter));
  Arguments rest;
  rest.positional.assign(arguments.positional.begin() + 1, arguments.positional.end());
  for (const auto& item : as_list(value, "map")) mapped.push_back(apply_filter(filter, item, rest));
  return mapped;
}

Value to_integer(const Value& value, const Value& fallback) {
  if (value.is_number_integer()) return value;
  if (value.is_number_float()) return static_cast<int64_t>(value.get<double>());
  if (value.is_boolean()) return value.get<bool>() ? 1 : 0;
  if (value.is_string()) {
    try {
      size_t used = 0;
      std::string text = strip(value.get<std::string>(), null_value(), true, true);
      int64_t number = std::stoll(text, &used);
      if (used == text.size()) return number;
    } catch (const std::exception&) {
    }
  }
  return fallback;
}

Value to_float(const Value& value, const Value& fallback) {
  if (value.is_number() || value.is_boolean())
    return value.is_boolean() ? (value.get<bool>() ? 1.0 : 0.0) : value.get<double>();
  if (value.is_string()) {
    try {
      size_t used = 0;
      std::string text = strip(value.get<std::string>(), null_value(), true, true);
      double number = std::stod(text, &used);
      if (used == text.size()) return number;
    } catch (const std::exception&) {
    }
  }
  return fallback;
}

using FilterFunction = std::function<Value(const Value&, const Arguments&)>;

const std::map<std::string, FilterFunction>& filters() {
  static const std::map<std::string, FilterFunction> table = [] {
    std::map<std::string, FilterFunction> t;
    t["trim"] = [](const Value& v, const Arguments& a) {
      return strip(to_text(v), a.get(0, "chars", null_value()), true, true);
    };
    t["tojson"] = [](const Value& v, const Arguments& a) {
      const Value& indent = a.get(99, "indent", null_value());
      const Value& separators = a.get(99, "separators", null_value());
      if (!indent.is_null() && !indent.is_number_integer())
        throw ValueError("tojson: indent must be an integer");
      std::string item_separator, key_separator;
      if (!separators.is_null()) {
        if (!separators.is_array() || separators.size() != 2 || !separators[0].is_string() ||
            !separators[1].is_string())
          throw ValueError("tojson: separators must be two strings");
        item_separator = separators[0].get<std::string>();
        key_separator = separators[1].get<std::string>();
      }
      return to_json(v, indent.is_null() ? -1 : static_cast<int>(indent.get<int64_t>()),
                     truthy(a.get(99, "sort_keys", false)), item_separator, key_separator);
    };
    t["length"] = [](const Value& v, const Arguments&) -> Value {
      if (v.is_string()) return static_cast<int64_t>(characters(v.get<std::string>()).size());
      if (v.is_array() || v.is_object()) return static_cast<int64_t>(v.size());
      if (is_undefined(v)) return 0;
      throw ValueError(fmt::format("length of a {} is undefined", v.type_name()));
    };
    t["count"] = t["length"];
    t["lower"] = [](const Value& v, const Arguments&) { return ascii_case(to_text(v), false); };
    t["upper"] = [](const Value& v, const Arguments&) { return ascii_case(to_text(v), true); };
    t["capitalize"] = [](const Value& v, const Arguments&) { return capitalize(to_text(v)); };
    t["title"] = [](const Value& v, const Arguments&) { return title(to_text(v)); };
    t["replace"] = [](const Value& v, const Arguments& a) {
      return replace_all(to_text(v), text_argument(a, 0, "old", "replace"),
                         text_argument(a, 1, "new", "replace"), count_argument(a, 2, "count"));
    };
    t["join"] = [](const Value& v, const Arguments& a) {
      const Value& separator = a.get(0, "d", "");
      const Value& attribute_name = a.get(1, "attribute", null_value());
      std::string out;
      bool first = true;
      for (const auto& item : as_list(v, "join")) {
        if (!first) out += to_text(separator);
        out += to_text(attribute_name.is_string() ? attribute_path(item, attribute_name.get<std::string>())
                                                  : item);
        first = false;
      }
      return out;
    };
    t["default"] = [](const Value& v, const Arguments& a) {
      bool boolean = truthy(a.get(1, "boolean", false));
      return is_undefined(v) || (boolean && !truthy(v)) ? a.get(0, "default_value", "") : v;
    };
    t["d"] = t["default"];
    t["first"] = [](const Value& v, const Arguments&) {
      Value items = as_list(v, "first");
      return items.empty() ? undefined() : items.front();
    };
    t["last"] = [](const Value& v, const Arguments&) {
      Value items = as_list(v, "last");
      return items.empty() ? undefined() : items.back();
    };
    t["reverse"] = [](const Value& v, const Arguments&) -> Value {
      if (v.is_string()) return slice(v, null_value(), null_value(), -1);
      return slice(as_list(v, "reverse"), null_value(), null_value(), -1);
    };
    t["list"] = [](const Value& v, const Arguments&) { return as_list(v, "list"); };
    t["items"] = [](const Value& v, const Arguments&) {
      return is_undefined(v) ? Value::array() : dict_items(v);
    };
    t["string"] = [](const Value& v, const Arguments&) { return to_text(v); };
    t["int"] = [](const Value& v, const Arguments& a) { return to_integer(v, a.get(0, "default", 0)); };
    t["float"] = [](const Value& v, const Arguments& a) { return to_float(v, a.get(0, "default", 0.0)); };
    t["abs"] = [](const Value& v, const Arguments&) -> Value {
      if (v.is_number_integer()) return std::abs(v.get<int64_t>());
      if (v.is_number()) return std::fabs(v.get<double>());
      throw ValueError("abs needs a number");
    };
    t["safe"] = [](const Value& v, const Arguments&) { return v; };
    t["select"] = [](const Value& v, const Arguments& a) { return select(v, a, false, true); };
    t["reject"] = [](const Value& v, const Arguments& a) { return select(v, a, false, false); };
    t["selectattr"] = [](const Value& v, const Arguments& a) { return select(v, a, true, true); };
    t["rejectattr"] = [](const Value& v, const Arguments& a) { return select(v, a, true, false); };
    t["map"] = map_filter;
    return t;
  }();
  return table;
}

bool is_integer_value(const Value& v) {
  return v.is_number_integer();
}

using TestFunction = std::function<bool(const Value&, const Arguments&)>;

const std::map<std::string, TestFunction>& tests() {
  static const std::map<std::string, TestFunction> table = [] {
    std::map<std::string, TestFunction> t;
    t["defined"] = [](const Value& v, const Arguments&) { return !is_undefined(v); };
    t["undefined"] = [](const Value& v, const Arguments&) { return is_undefined(v); };
    t["none"] = [](const Value& v, const Arguments&) { return v.is_null(); };
    t["boolean"] = [](const Value& v, const Arguments&) { return v.is_boolean(); };
    t["true"] = [](const Value& v, const Arguments&) { return v.is_boolean() && v.get<bool>(); };
    t["false"] = [](const Value& v, const Arguments&) { return v.is_boolean() && !v.get<bool>(); };
    t["string"] = [](const Value& v, const Arguments&) { return v.is_string(); };
    t["number"] = [](const Value& v, const Arguments&) { return v.is_number() || v.is_boolean(); };
    t["integer"] = [](const Value& v, const Arguments&) { return is_integer_value(v); };
    t["float"] = [](const Value& v, const Arguments&) { return v.is_number_float(); };
    t["mapping"] = [](const Value& v, const Arguments&) { return v.is_object(); };
    t["iterable"] = [](const Value& v, const Arguments&) {
      return v.is_array() || v.is_object() || v.is_string();
    };
    t["sequence"] = t["iterable"];
    t["callable"] = [](const Value&, const Arguments&) { return false; };
    t["lower"] = [](const Value& v, const Arguments&) {
      return v.is_string() && ascii_case(v.get<std::string>(), false) == v.get<std::string>();
    };
    t["upper"] = [](const Value& v, const Arguments&) {
      return v.is_string() && ascii_case(v.get<std::string>(), true) == v.get<std::string>();
    };
    t["odd"] = [](const Value& v, const Arguments&) {
      return v.is_number_integer() && v.get<int64_t>() % 2 != 0;
    };
    t["even"] = [](const Value& v, const Arguments&) {
      return v.is_number_integer() && v.get<int64_t>() % 2 == 0;
    };
    t["divisibleby"] = [](const Value& v, const Arguments& a) {
      const Value& n = a.get(0, "num", undefined());
      if (!n.is_number_integer() || n.get<int64_t>() == 0 || !v.is_number_integer())
        throw ValueError("divisibleby needs integers");
      return v.get<int64_t>() % n.get<int64_t>() == 0;
    };
    auto compare_test = [](const char* op) {
      return [op](const Value& v, const Arguments& a) {
        return truthy(binary_operation(op, v, a.get(0, "other", undefined())));
      };
    };
    for (const char* name : {"eq", "equalto", "=="}) t[name] = compare_test("==");
    for (const char* name : {"ne", "!="}) t[name] = compare_test("!=");
    for (const char* name : {"lt", "lessthan", "<"}) t[name] = compare_test("<");
    for (const char* name : {"le", "<="}) t[name] = compare_test("<=");
    for (const char* name : {"gt", "greaterthan", ">"}) t[name] = compare_test(">");
    for (const char* name : {"ge", ">="}) t[name] = compare_test(">=");
    t["in"] = [](const Value& v, const Arguments& a) { return contains(a.get(0, "seq", undefined()), v); };
    return t;
  }();
  return table;
}

}  // namespace

const Value& Arguments::get(size_t index, const std::string& name, const Value& fallback) const {
  for (const auto& [key, value] : keywords)
    if (key == name) return value;
  return index < positional.size() ? positional[index] : fallback;
}

bool is_supported_filter(const std::string& name) {
  return filters().count(name) > 0;
}
bool is_supported_test(const std::string& name) {
  return tests().count(name) > 0;
}

Value apply_filter(const std::string& name, const Value& value, const Arguments& arguments) {
  auto it = filters().find(name);
  if (it == filters().end()) throw ValueError(fmt::format("the filter `{}` is not supported", name));
  return it->second(value, arguments);
}

bool apply_test(const std::string& name, const Value& value, const Arguments& arguments) {
  auto it = tests().find(name);
  if (it == tests().end()) throw ValueError(fmt::format("the test `{}` is not supported", name));
  return it->second(value, arguments);
}

Value call_method(const Value& value, const std::string& method, const Arguments& a) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (method == "startswith" || method == "endswith")
      return starts_or_ends_with(text, a.get(0, "prefix", undefined()), method == "startswith");
    if (method == "split")
      return split(text, a.get(0, "sep", null_value()), count_argument(a, 1, "maxsplit"));
    if (method == "strip") return strip(text, a.get(0, "chars", null_value()), true, true);
    if (method == "lstrip") return strip(text, a.get(0, "chars", null_value()), true, false);
    if (method == "rstrip") return strip(text, a.get(0, "chars", null_value()), false, true);
    if (method == "replace")
      return replace_all(text, text_argument(a, 0, "old", "replace"), text_argument(a, 1, "new", "replace"),
                         count_argument(a, 2, "count"));
    if (method == "upper" || method == "lower") return ascii_case(text, method == "upper");
    if (method == "title") return title(text);
    if (method == "capitalize") return capitalize(text);
    if (method == "find") {
      size_t at = text.find(text_argument(a, 0, "sub", "find"));
      return at == std::string::npos ? int64_t{-1}
                                     : static_cast<int64_t>(characters(text.substr(0, at)).size());
    }
  } else if (value.is_object()) {
    if (method == "items") return dict_items(value);
    if (method == "keys") return as_list(value, "keys");
    if (method == "values") {
      Value values = Value::array();
      for (const auto& item : value) values.push_back(item);
      return values;
    }
    if (method == "get") {
      Value found = subscript(value, a.get(0, "key", undefined()));
      return is_undefined(found) ? a.get(1, "default", null_value()) : found;
    }
  } else if (is_undefined(value)) {
    throw ValueError(fmt::format("cannot call `.{}()` on an undefined value", method));
  }
  throw ValueError(fmt::format("the method `.{}()` of a {} is not supported", method, value.type_name()));
}

}  // namespace grpo::jinja
