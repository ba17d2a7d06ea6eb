#include "tokenizer/jinja_renderer.h"

#include <fmt/format.h>

#include <map>

#include "core/error.h"
#include "tokenizer/jinja_builtins.h"
#include "tokenizer/jinja_lexer.h"

namespace grpo::jinja {

namespace {

using Kind = Expression::Kind;
using Frame = std::map<std::string, Value>;

enum class Flow { Normal, Break, Continue };

constexpr int64_t kMaxRangeLength = 1000000;
constexpr int kMaxMacroDepth = 100;

class Renderer {
 public:
  Renderer(const Template& parsed, const Value& variables) : template_(parsed) {
    if (!variables.is_object()) fail("{}: the variables must be a JSON object", parsed.name);
    frames_.emplace_back();
    for (auto it = variables.begin(); it != variables.end(); ++it) frames_[0][it.key()] = it.value();
  }

  std::string run() {
    std::string out;
    output_ = &out;
    if (execute(template_.body) != Flow::Normal)
      fail("{}: `break` or `continue` outside a loop", template_.name);
    return out;
  }

 private:
  [[noreturn]] void error(size_t offset, const std::string& what) const {
    fail("{}: {}", describe_position(template_.source, template_.name, offset), what);
  }

  Flow execute(const Body& body) {
    for (const auto& statement : body) {
      Flow flow = execute(*statement);
      if (flow != Flow::Normal) return flow;
    }
    return Flow::Normal;
  }

  Flow execute(const Statement& statement) {
    switch (statement.kind) {
      case Statement::Kind::Text:
        *output_ += statement.text;
        return Flow::Normal;
      case Statement::Kind::Output:
        *output_ += to_text(evaluate(*statement.expression));
        return Flow::Normal;
      case Statement::Kind::If:
        for (const auto& [condition, body] : statement.branches) {
          if (!condition || truthy(evaluate(*condition))) return execute(body);
        }
        return Flow::Normal;
      case Statement::Kind::For:
        return execute_for(statement);
      case Statement::Kind::Set:
        execute_set(statement);
        return Flow::Normal;
      case Statement::Kind::Macro:
        macros_[statement.name] = &statement;
        return Flow::Normal;
      case Statement::Kind::Break:
        return Flow::Break;
      case Statement::Kind::Continue:
        return Flow::Continue;
    }
    return Flow::Normal;
  }

  Value iterable(const Value& value, size_t offset) {
    if (value.is_array()) return value;
    Value items = Value::array();
    if (is_undefined(value)) return items;
    if (value.is_object()) {
      for (auto it = value.begin(); it != value.end(); ++it) items.push_back(it.key());
    } else if (value.is_string()) {
      for (const auto& c : characters(value.get<std::string>())) items.push_back(c);
    } else {
      error(offset, fmt::format("cannot loop over a {}", value.type_name()));
    }
    return items;
  }

  void bind(Frame& frame, const std::vector<std::string>& targets, const Value& value, size_t offset) {
    if (targets.size() == 1) {
      frame[targets[0]] = value;
      return;
    }
    if (!value.is_array() || value.size() != targets.size())
      error(offset, fmt::format("cannot unpack {} into {} names", to_text(value), targets.size()));
    for (size_t i = 0; i < targets.size(); ++i) frame[targets[i]] = value[i];
  }

  Flow execute_for(const Statement& statement) {
    Value items = iterable(evaluate(*statement.expression), statement.offset);
    if (statement.filter) {
      Value kept = Value::array();
      for (const auto& item : items) {
        frames_.emplace_back();
        bind(frames_.back(), statement.targets, item, statement.offset);
        bool keep = truthy(evaluate(*statement.filter));
        frames_.pop_back();
        if (keep) kept.push_back(item);
      }
      items = std::move(kept);
    }
    if (items.empty()) return execute(statement.else_body);
    const auto length = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < length; ++i) {
      const auto at = static_cast<size_t>(i);
      Value loop = {{"index", i + 1},         {"index0", i},
                    {"revindex", length - i}, {"revindex0", length - i - 1},
                    {"first", i == 0},        {"last", i == length - 1},
                    {"length", length}};
      loop["previtem"] = i > 0 ? items[at - 1] : undefined();
      loop["nextitem"] = i + 1 < length ? items[at + 1] : undefined();
      frames_.emplace_back();
      frames_.back()["loop"] = std::move(loop);
      bind(frames_.back(), statement.targets, items[at], statement.offset);
      Flow flow = execute(statement.body);
      frames_.pop_back();
      if (flow == Flow::Break) break;
    }
    return Flow::Normal;
  }

  void execute_set(const Statement& statement) {
    Value value;
    if (statement.expression) {
      value = evaluate(*statement.expression);
    } else {  // {% set x %}...{% endset %}
      std::string captured;
      std::string* saved = output_;
      output_ = &captured;
      Flow flow = execute(statement.body);
      output_ = saved;
      if (flow != Flow::Normal) error(statement.offset, "`break` or `continue` inside a set block");
      value = captured;
    }
    if (statement.attribute.empty()) {
      bind(frames_.back(), statement.targets, value, statement.offset);
      return;
    }
    Value* object = lookup(statement.targets[0]);
    if (!object || !object->is_object())
      error(statement.offset, fmt::format("`set {}.{}` needs `{}` to be a namespace", statement.targets[0],
                                          statement.attribute, statement.targets[0]));
    (*object)[statement.attribute] = value;
  }

  Value* lookup(const std::string& name) {
    for (auto frame = frames_.rbegin(); frame != frames_.rend(); ++frame) {
      auto it = frame->find(name);
      if (it != frame->end()) return &it->second;
    }
    return nullptr;
  }

  Arguments evaluate_arguments(const std::vector<Argument>& arguments) {
    Arguments values;
    for (const auto& argument : arguments) {
      Value value = evaluate(*argument.value);
      if (argument.name.empty()) {
        values.positional.push_back(std::move(value));
      } else {
        values.keywords.emplace_back(argument.name, std::move(value));
      }
    }
    return values;
  }

  Value evaluate(const Expression& node) {
    try {
      return evaluate_node(node);
    } catch (const ValueError& e) {
      error(node.offset, e.what());
    }
  }

  Value evaluate_node(const Expression& node) {
    switch (node.kind) {
      case Kind::Literal:
        return node.value;
      case Kind::Name: {
        Value* value = lookup(node.name);
        return value ? *value : undefined();
      }
      case Kind::List:
      case Kind::Tuple: {
        Value items = Value::array();
        for (const auto& item : node.items) items.push_back(evaluate(*item));
        return items;
      }
      case Kind::Dict: {
        Value object = Value::object();
        for (size_t i = 0; i + 1 < node.items.size(); i += 2) {
          Value key = evaluate(*node.items[i]);
          if (!key.is_string()) error(node.items[i]->offset, "dict keys must be strings");
          object[key.get<std::string>()] = evaluate(*node.items[i + 1]);
        }
        return object;
      }
      case Kind::Attribute:
        return attribute(evaluate(*node.items[0]), node.name);
      case Kind::Subscript:
        return subscript(evaluate(*node.items[0]), evaluate(*node.items[1]));
      case Kind::Slice: {
        auto part = [&](size_t i) { return node.items[i] ? evaluate(*node.items[i]) : Value(nullptr); };
        return slice(evaluate(*node.items[0]), part(1), part(2), part(3));
      }
      case Kind::Call:
        return call(node);
      case Kind::Filter:
        return apply_filter(node.name, evaluate(*node.items[0]), evaluate_arguments(node.arguments));
      case Kind::Test:
        return apply_test(node.name, evaluate(*node.items[0]), evaluate_arguments(node.arguments)) !=
               node.negated;
      case Kind::Unary: {
        Value operand = evaluate(*node.items[0]);
        if (node.name == "not") return !truthy(operand);
        if (operand.is_number_integer())
          return node.name == "-" ? -operand.get<int64_t>() : operand.get<int64_t>();
        if (operand.is_number()) return node.name == "-" ? -operand.get<double>() : operand.get<double>();
        error(node.offset, fmt::format("unary {} needs a number", node.name));
      }
      case Kind::Binary: {
        Value left = evaluate(*node.items[0]);
        if (node.name == "and") return truthy(left) ? evaluate(*node.items[1]) : left;
        if (node.name == "or") return truthy(left) ? left : evaluate(*node.items[1]);
        return binary_operation(node.name, left, evaluate(*node.items[1]));
      }
      case Kind::Conditional:
        if (truthy(evaluate(*node.items[1]))) return evaluate(*node.items[0]);
        return node.items[2] ? evaluate(*node.items[2]) : undefined();
    }
    error(node.offset, "unknown expression");
  }

  Value call(const Expression& node) {
    const Expression& callee = *node.items[0];
    if (callee.kind == Kind::Attribute) {
      Value object = evaluate(*callee.items[0]);
      return call_method(object, callee.name, evaluate_arguments(node.arguments));
    }
    if (callee.kind != Kind::Name) error(node.offset, "only functions, macros and methods can be called");
    const std::string& name = callee.name;
    Arguments arguments = evaluate_arguments(node.arguments);
    if (auto macro = macros_.find(name); macro != macros_.end())
      return call_macro(*macro->second, arguments, node);
    if (name == "raise_exception") {
      error(callee.offset, "the template raised an error: " + to_text(arguments.get(0, "message", "")));
    }
    if (name == "namespace" || name == "dict") {
      Value object = Value::object();
      for (const auto& positional : arguments.positional) {  // namespace({...}) or dict({...})
        if (!positional.is_object()) error(node.offset, name + "() takes keyword arguments or a dict");
        for (auto it = positional.begin(); it != positional.end(); ++it) object[it.key()] = it.value();
      }
      for (const auto& [key, value] : arguments.keywords) object[key] = value;
      return object;
    }
    if (name == "range") return range(arguments, node.offset);
    error(callee.offset,
          fmt::format("the function `{}` is not supported (supported: raise_exception, namespace, "
                      "dict, range, and the template's own macros)",
                      name));
  }

  Value range(const Arguments& arguments, size_t offset) {
    std::vector<int64_t> bounds;
    for (const auto& value : arguments.positional) {
      if (!value.is_number_integer()) error(offset, "range() takes integers");
      bounds.push_back(value.get<int64_t>());
    }
    if (bounds.empty() || bounds.size() > 3) error(offset, "range() takes 1 to 3 integers");
    int64_t start = bounds.size() == 1 ? 0 : bounds[0];
    int64_t stop = bounds.size() == 1 ? bounds[0] : bounds[1];
    int64_t step = bounds.size() == 3 ? bounds[2] : 1;
    if (step == 0) error(offset, "range() step cannot be zero");
    Value items = Value::array();
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (static_cast<int64_t>(items.size()) >= kMaxRangeLength)
        error(offset, fmt::format("range() longer than {} items", kMaxRangeLength));
      items.push_back(i);
    }
    return items;
  }

  Value call_macro(const Statement& macro, const Arguments& arguments, const Expression& node) {
    if (++macro_depth_ > kMaxMacroDepth) error(node.offset, "macros nest too deeply");
    Frame parameters;
    for (size_t i = 0; i < macro.parameters.size(); ++i) {
      const Argument& parameter = macro.parameters[i];
      const Value& given = arguments.get(i, parameter.name, undefined());
      parameters[parameter.name] = !is_undefined(given) ? given
                                   : parameter.value    ? evaluate(*parameter.value)
                                                        : undefined();
    }
    if (arguments.positional.size() > macro.parameters.size())
      error(node.offset, fmt::format("the macro `{}` takes {} arguments, got {}", macro.name,
                                     macro.parameters.size(), arguments.positional.size()));
    // A macro sees the template's global variables and its own parameters, not the caller's loop variables.
    std::vector<Frame> caller_frames = std::move(frames_);
    frames_ = {caller_frames[0], std::move(parameters)};
    std::string captured;
    std::string* saved = output_;
    output_ = &captured;
    Flow flow = execute(macro.body);
    output_ = saved;
    frames_ = std::move(caller_frames);
    --macro_depth_;
    if (flow != Flow::Normal) error(node.offset, "`break` or `continue` outside a loop in a macro");
    return captured;
  }

  const Template& template_;
  std::vector<Frame> frames_;
  std::map<std::string, const Statement*> macros_;
  std::string* output_ = nullptr;
  int macro_depth_ = 0;
};

}  // namespace

std::string render(const Template& parsed, const Value& variables) {
  return Renderer(parsed, variables).run();
}

}  // namespace grpo::jinja
