// The parsed form of a chat template: expressions and statements, each with its offset in the source so that
// errors at render time can name the template's line and column.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace grpo::jinja {

// The value type of the renderer: JSON with insertion-ordered objects (Python dicts keep their order, and
// tojson must too). "Undefined" is the discarded JSON value.
using Value = nlohmann::ordered_json;

struct Expression;
using ExpressionPtr = std::unique_ptr<Expression>;

struct Argument {
  std::string name;  // empty for a positional argument
  ExpressionPtr value;
};

struct Expression {
  enum class Kind {
    Literal,      // value
    Name,         // name
    List,         // items
    Tuple,        // items
    Dict,         // items as key, value pairs
    Attribute,    // items[0].name
    Subscript,    // items[0][items[1]]
    Slice,        // items[0][items[1]:items[2]:items[3]] (null entries for omitted parts)
    Call,         // items[0](arguments)
    Filter,       // items[0] | name(arguments)
    Test,         // items[0] is [not] name(arguments); negated
    Unary,        // op items[0]: "not", "-", "+"
    Binary,       // items[0] op items[1]: or and == != < > <= >= in "not in" + - * / // % ** ~
    Conditional,  // items[0] if items[1] else items[2] (items[2] may be null)
  };
  Kind kind;
  size_t offset = 0;
  Value value;
  std::string name;  // Name, Attribute, Filter, Test: the name; Unary, Binary: the operator
  std::vector<ExpressionPtr> items;
  std::vector<Argument> arguments;
  bool negated = false;
};

struct Statement;
using Body = std::vector<std::unique_ptr<Statement>>;

struct Statement {
  enum class Kind {
    Text,    // text
    Output,  // {{ expression }}
    If,      // branches: (condition, body) pairs; a null condition for else
    For,     // targets in expression [if filter]: body [else: else_body]
    Set,     // targets (or attribute target.name) = expression; or {% set x %}body{% endset %}
    Macro,   // name(parameters) body
    Break,
    Continue,
  };
  Kind kind;
  size_t offset = 0;
  std::string text;
  ExpressionPtr expression;
  ExpressionPtr filter;              // For: the `if` part
  std::vector<std::string> targets;  // For, Set: names (several for unpacking)
  std::string attribute;             // Set: `ns.attribute = ...`
  std::vector<std::pair<ExpressionPtr, Body>> branches;
  Body body, else_body;
  std::string name;                  // Macro
  std::vector<Argument> parameters;  // Macro: names with optional defaults
};

struct Template {
  std::string source;  // newline-normalized, as the offsets refer to
  std::string name;    // for errors
  Body body;
};

}  // namespace grpo::jinja
