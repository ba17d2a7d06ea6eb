#include "tokenizer/jinja_parser.h"

#include <initializer_list>

#include "core/error.h"
#include "tokenizer/jinja_builtins.h"
#include "tokenizer/jinja_lexer.h"

namespace grpo::jinja {

namespace {

using Kind = Expression::Kind;

ExpressionPtr make(Kind kind, size_t offset) {
  auto node = std::make_unique<Expression>();
  node->kind = kind;
  node->offset = offset;
  return node;
}

ExpressionPtr make_binary(const std::string& op, ExpressionPtr left, ExpressionPtr right, size_t offset) {
  auto node = make(Kind::Binary, offset);
  node->name = op;
  node->items.push_back(std::move(left));
  node->items.push_back(std::move(right));
  return node;
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::Text:
      return "template text";
    case TokenKind::BlockBegin:
      return "`{%`";
    case TokenKind::BlockEnd:
      return "`%}`";
    case TokenKind::OutputBegin:
      return "`{{`";
    case TokenKind::OutputEnd:
      return "`}}`";
    case TokenKind::String:
      return "a string";
    case TokenKind::End:
      return "the end of the template";
    default:
      return "`" + token.text + "`";
  }
}

class Parser {
 public:
  Parser(const Template& tmpl, std::vector<Token> tokens) : template_(tmpl), tokens_(std::move(tokens)) {}

  Body parse_template() {
    auto [body, end_tag] = parse_body({});
    return std::move(body);
  }

 private:
  [[noreturn]] void error(size_t offset, const std::string& what) const {
    fail("{}: {}", describe_position(template_.source, template_.name, offset), what);
  }
  [[noreturn]] void unexpected(const std::string& expected) const {
    error(current().offset, fmt::format("expected {}, got {}", expected, describe(current())));
  }

  const Token& current() const { return tokens_[position_]; }
  const Token& peek(size_t ahead = 1) const {
    return tokens_[std::min(position_ + ahead, tokens_.size() - 1)];
  }
  const Token& advance() { return tokens_[position_ < tokens_.size() - 1 ? position_++ : position_]; }
  bool at_operator(const char* op) const {
    return current().kind == TokenKind::Operator && current().text == op;
  }
  bool at_name(const char* name) const { return current().kind == TokenKind::Name && current().text == name; }
  bool accept_operator(const char* op) {
    if (!at_operator(op)) return false;
    advance();
    return true;
  }
  bool accept_name(const char* name) {
    if (!at_name(name)) return false;
    advance();
    return true;
  }
  void expect_operator(const char* op) {
    if (!accept_operator(op)) unexpected(fmt::format("`{}`", op));
  }
  void expect_block_end() {
    if (current().kind != TokenKind::BlockEnd) unexpected("`%}`");
    advance();
  }
  std::string expect_name(const char* what) {
    if (current().kind != TokenKind::Name) unexpected(what);
    return advance().text;
  }

  // Statements until one of `end_tags` ({% endfor %}, {% else %}, ...), which is consumed up to its name.
  std::pair<Body, std::string> parse_body(std::initializer_list<const char*> end_tags) {
    Body body;
    while (true) {
      const Token& token = current();
      if (token.kind == TokenKind::End) {
        if (end_tags.size() == 0) return {std::move(body), ""};
        std::string expected;
        for (const char* tag : end_tags)
          expected += (expected.empty() ? "" : " or ") + std::string("{% ") + tag + " %}";
        error(token.offset, "the template ends before " + expected);
      }
      if (token.kind == TokenKind::Text) {
        auto statement = std::make_unique<Statement>();
        statement->kind = Statement::Kind::Text;
        statement->offset = token.offset;
        statement->text = token.text;
        body.push_back(std::move(statement));
        advance();
      } else if (token.kind == TokenKind::OutputBegin) {
        advance();
        auto statement = std::make_unique<Statement>();
        statement->kind = Statement::Kind::Output;
        statement->offset = token.offset;
        statement->expression = parse_tuple();
        if (current().kind != TokenKind::OutputEnd) unexpected("`}}`");
        advance();
        body.push_back(std::move(statement));
      } else if (token.kind == TokenKind::BlockBegin) {
        size_t offset = advance().offset;  // errors point at the `{%`
        std::string tag = expect_name("a tag name");
        for (const char* end_tag : end_tags) {
          if (tag == end_tag) return {std::move(body), tag};
        }
        body.push_back(parse_statement(tag, offset));
      } else {
        unexpected("template text or a tag");
      }
    }
  }

  std::unique_ptr<Statement> parse_statement(const std::string& tag, size_t offset) {
    auto statement = std::make_unique<Statement>();
    statement->offset = offset;
    if (tag == "if") {
      statement->kind = Statement::Kind::If;
      ExpressionPtr condition = parse_expression();
      while (true) {
        expect_block_end();
        auto [body, end_tag] = parse_body({"elif", "else", "endif"});
        statement->branches.emplace_back(std::move(condition), std::move(body));
        if (end_tag == "endif") break;
        if (end_tag == "else") {
          expect_block_end();
          auto [else_body, end] = parse_body({"endif"});
          statement->branches.emplace_back(nullptr, std::move(else_body));
          break;
        }
        condition = parse_expression();
      }
    } else if (tag == "for") {
      statement->kind = Statement::Kind::For;
      statement->targets = parse_targets();
      if (!accept_name("in")) unexpected("`in`");
      statement->expression = parse_tuple(/*allow_conditional=*/false);
      if (accept_name("if")) statement->filter = parse_expression();
      if (at_name("recursive")) error(current().offset, "recursive for loops are not supported");
      expect_block_end();
      auto [body, end_tag] = parse_body({"else", "endfor"});
      statement->body = std::move(body);
      if (end_tag == "else") {
        expect_block_end();
        statement->else_body = parse_body({"endfor"}).first;
      }
    } else if (tag == "set") {
      statement->kind = Statement::Kind::Set;
      statement->targets = parse_targets();
      if (statement->targets.size() == 1 && accept_operator("."))
        statement->attribute = expect_name("an attribute");
      if (accept_operator("=")) {
        statement->expression = parse_tuple();
      } else {
        if (statement->targets.size() != 1 || !statement->attribute.empty()) unexpected("`=`");
        expect_block_end();
        statement->body = parse_body({"endset"}).first;
      }
    } else if (tag == "macro") {
      statement->kind = Statement::Kind::Macro;
      statement->name = expect_name("a macro name");
      expect_operator("(");
      while (!accept_operator(")")) {
        Argument parameter;
        parameter.name = expect_name("a parameter name");
        if (accept_operator("=")) parameter.value = parse_expression();
        statement->parameters.push_back(std::move(parameter));
        if (!at_operator(")")) expect_operator(",");
      }
      expect_block_end();
      statement->body = parse_body({"endmacro"}).first;
    } else if (tag == "break" || tag == "continue") {
      statement->kind = tag == "break" ? Statement::Kind::Break : Statement::Kind::Continue;
    } else if (tag == "elif" || tag == "else" || tag == "endif" || tag == "endfor" || tag == "endset" ||
               tag == "endmacro") {
      error(offset, fmt::format("`{{% {} %}}` without a matching opening tag", tag));
    } else {
      error(offset,
            fmt::format("the tag `{{% {} %}}` is not supported (supported: if, for, set, macro, break, "
                        "continue)",
                        tag));
    }
    expect_block_end();
    return statement;
  }

  std::vector<std::string> parse_targets() {
    std::vector<std::string> targets;
    bool parenthesized = accept_operator("(");
    do {
      targets.push_back(expect_name("a variable name"));
    } while (accept_operator(","));
    if (parenthesized) expect_operator(")");
    return targets;
  }

  // An expression, or several separated by commas (a tuple), as in `{{ a, b }}` or `for x in a, b`.
  ExpressionPtr parse_tuple(bool allow_conditional = true) {
    size_t offset = current().offset;
    ExpressionPtr first = allow_conditional ? parse_expression() : parse_or();
    if (!at_operator(",")) return first;
    auto tuple = make(Kind::Tuple, offset);
    tuple->items.push_back(std::move(first));
    while (accept_operator(",")) {
      if (current().kind == TokenKind::BlockEnd || current().kind == TokenKind::OutputEnd) break;
      tuple->items.push_back(allow_conditional ? parse_expression() : parse_or());
    }
    return tuple;
  }

  ExpressionPtr parse_expression() {
    size_t offset = current().offset;
    ExpressionPtr value = parse_or();
    while (accept_name("if")) {
      auto conditional = make(Kind::Conditional, offset);
      conditional->items.push_back(std::move(value));
      conditional->items.push_back(parse_or());
      conditional->items.push_back(accept_name("else") ? parse_expression() : nullptr);
      value = std::move(conditional);
    }
    return value;
  }

  ExpressionPtr parse_or() {
    ExpressionPtr left = parse_and();
    while (at_name("or")) {
      size_t offset = advance().offset;
      left = make_binary("or", std::move(left), parse_and(), offset);
    }
    return left;
  }

  ExpressionPtr parse_and() {
    ExpressionPtr left = parse_not();
    while (at_name("and")) {
      size_t offset = advance().offset;
      left = make_binary("and", std::move(left), parse_not(), offset);
    }
    return left;
  }

  ExpressionPtr parse_not() {
    if (at_name("not")) {
      auto node = make(Kind::Unary, advance().offset);
      node->name = "not";
      node->items.push_back(parse_not());
      return node;
    }
    return parse_compare();
  }

  ExpressionPtr parse_compare() {
    ExpressionPtr left = parse_math1();
    while (true) {
      size_t offset = current().offset;
      std::string op;
      if (current().kind == TokenKind::Operator &&
          (current().text == "==" || current().text == "!=" || current().text == "<" ||
           current().text == ">" || current().text == "<=" || current().text == ">=")) {
        op = advance().text;
      } else if (at_name("in")) {
        advance();
        op = "in";
      } else if (at_name("not") && peek().kind == TokenKind::Name && peek().text == "in") {
        advance();
        advance();
        op = "not in";
      } else {
        return left;
      }
      left = make_binary(op, std::move(left), parse_math1(), offset);
    }
  }

  ExpressionPtr parse_math1() {
    ExpressionPtr left = parse_concat();
    while (at_operator("+") || at_operator("-")) {
      const Token& op = advance();
      left = make_binary(op.text, std::move(left), parse_concat(), op.offset);
    }
    return left;
  }

  ExpressionPtr parse_concat() {
    ExpressionPtr left = parse_math2();
    while (at_operator("~")) {
      size_t offset = advance().offset;
      left = make_binary("~", std::move(left), parse_math2(), offset);
    }
    return left;
  }

  ExpressionPtr parse_math2() {
    ExpressionPtr left = parse_pow();
    while (at_operator("*") || at_operator("/") || at_operator("//") || at_operator("%")) {
      const Token& op = advance();
      left = make_binary(op.text, std::move(left), parse_pow(), op.offset);
    }
    return left;
  }

  ExpressionPtr parse_pow() {
    ExpressionPtr left = parse_unary(true);
    while (at_operator("**")) {
      size_t offset = advance().offset;
      left = make_binary("**", std::move(left), parse_unary(true), offset);
    }
    return left;
  }

  ExpressionPtr parse_unary(bool with_filters) {
    ExpressionPtr node;
    if (at_operator("-") || at_operator("+")) {
      node = make(Kind::Unary, current().offset);
      node->name = advance().text;
      node->items.push_back(parse_unary(false));
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    return with_filters ? parse_filters(std::move(node)) : std::move(node);
  }

  ExpressionPtr parse_primary() {
    const Token& token = current();
    switch (token.kind) {
      case TokenKind::Name: {
        advance();
        auto node = make(Kind::Literal, token.offset);
        if (token.text == "true" || token.text == "True") {
          node->value = true;
        } else if (token.text == "false" || token.text == "False") {
          node->value = false;
        } else if (token.text == "none" || token.text == "None") {
          node->value = nullptr;
        } else {
          node->kind = Kind::Name;
          node->name = token.text;
        }
        return node;
      }
      case TokenKind::String: {
        auto node = make(Kind::Literal, token.offset);
        std::string text;
        while (current().kind == TokenKind::String) text += advance().text;  // "a" "b" is "ab"
        node->value = text;
        return node;
      }
      case TokenKind::Integer:
      case TokenKind::Float: {
        advance();
        auto node = make(Kind::Literal, token.offset);
        try {
          if (token.kind == TokenKind::Integer) {
            node->value = std::stoll(token.text);
          } else {
            node->value = std::stod(token.text);
          }
        } catch (const std::exception&) {
          error(token.offset, "the number " + token.text + " is out of range");
        }
        return node;
      }
      case TokenKind::Operator:
        if (token.text == "(") {
          advance();
          if (accept_operator(")")) return make(Kind::Tuple, token.offset);
          ExpressionPtr inner = parse_tuple();
          expect_operator(")");
          return inner;
        }
        if (token.text == "[") {
          advance();
          auto list = make(Kind::List, token.offset);
          while (!accept_operator("]")) {
            list->items.push_back(parse_expression());
            if (!at_operator("]")) expect_operator(",");
          }
          return list;
        }
        if (token.text == "{") {
          advance();
          auto dict = make(Kind::Dict, token.offset);
          while (!accept_operator("}")) {
            dict->items.push_back(parse_expression());
            expect_operator(":");
            dict->items.push_back(parse_expression());
            if (!at_operator("}")) expect_operator(",");
          }
          return dict;
        }
        break;
      default:
        break;
    }
    unexpected("an expression");
  }

  ExpressionPtr parse_postfix(ExpressionPtr node) {
    while (true) {
      size_t offset = current().offset;
      if (accept_operator(".")) {
        auto attribute = make(Kind::Attribute, offset);
        if (current().kind == TokenKind::Integer) {  // a.0 is a[0]
          attribute->kind = Kind::Subscript;
          auto index = make(Kind::Literal, current().offset);
          index->value = std::stoll(advance().text);
          attribute->items.push_back(std::move(node));
          attribute->items.push_back(std::move(index));
        } else {
          attribute->name = expect_name("an attribute name");
          attribute->items.push_back(std::move(node));
        }
        node = std::move(attribute);
      } else if (accept_operator("[")) {
        node = parse_subscript(std::move(node), offset);
      } else if (at_operator("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExpressionPtr parse_subscript(ExpressionPtr container, size_t offset) {
    auto optional_part = [&]() -> ExpressionPtr {
      if (at_operator(":") || at_operator("]")) return nullptr;
      return parse_expression();
    };
    ExpressionPtr start = optional_part();
    if (!at_operator(":")) {
      if (!start) unexpected("an index");
      expect_operator("]");
      auto node = make(Kind::Subscript, offset);
      node->items.push_back(std::move(container));
      node->items.push_back(std::move(start));
      return node;
    }
    advance();
    auto node = make(Kind::Slice, offset);
    node->items.push_back(std::move(container));
    node->items.push_back(std::move(start));
    node->items.push_back(optional_part());
    node->items.push_back(accept_operator(":") ? optional_part() : nullptr);
    expect_operator("]");
    return node;
  }

  std::vector<Argument> parse_arguments() {
    std::vector<Argument> arguments;
    expect_operator("(");
    while (!accept_operator(")")) {
      Argument argument;
      if (current().kind == TokenKind::Name && peek().kind == TokenKind::Operator && peek().text == "=") {
        argument.name = advance().text;
        advance();
      }
      argument.value = parse_expression();
      arguments.push_back(std::move(argument));
      if (!at_operator(")")) expect_operator(",");
    }
    return arguments;
  }

  ExpressionPtr parse_call(ExpressionPtr callee) {
    auto call = make(Kind::Call, current().offset);
    call->arguments = parse_arguments();
    call->items.push_back(std::move(callee));
    return call;
  }

  ExpressionPtr parse_filters(ExpressionPtr node) {
    while (true) {
      if (at_operator("|")) {
        advance();
        auto filter = make(Kind::Filter, current().offset);
        filter->name = expect_name("a filter name");
        if (!is_supported_filter(filter->name))
          error(filter->offset, fmt::format("the filter `{}` is not supported", filter->name));
        if (at_operator("(")) filter->arguments = parse_arguments();
        filter->items.push_back(std::move(node));
        node = std::move(filter);
      } else if (at_name("is")) {
        advance();
        auto test = make(Kind::Test, current().offset);
        test->negated = accept_name("not");
        test->name = expect_name("a test name");
        if (!is_supported_test(test->name))
          error(test->offset, fmt::format("the test `is {}` is not supported", test->name));
        if (at_operator("(")) {
          test->arguments = parse_arguments();
        } else if (takes_bare_argument()) {
          Argument argument;
          argument.value = parse_postfix(parse_primary());
          test->arguments.push_back(std::move(argument));
        }
        test->items.push_back(std::move(node));
        node = std::move(test);
      } else if (at_operator("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  // `x is divisibleby 3`, `x is equalto 'a'`: one argument without parentheses (as jinja2 allows).
  bool takes_bare_argument() const {
    const Token& token = current();
    if (token.kind == TokenKind::String || token.kind == TokenKind::Integer || token.kind == TokenKind::Float)
      return true;
    if (token.kind == TokenKind::Operator) return token.text == "[" || token.text == "{";
    if (token.kind != TokenKind::Name) return false;
    for (const char* keyword : {"else", "or", "and", "if", "in", "not", "is"})
      if (token.text == keyword) return false;
    return true;
  }

  const Template& template_;
  std::vector<Token> tokens_;
  size_t position_ = 0;
};

// jinja2 reads templates with universal newlines and drops one trailing newline
// (keep_trailing_newline=False).
std::string normalize_newlines(const std::string& source) {
  std::string normalized;
  normalized.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      normalized += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      normalized += source[i];
    }
  }
  if (!normalized.empty() && normalized.back() == '\n') normalized.pop_back();
  return normalized;
}

}  // namespace

std::shared_ptr<const Template> parse_template(const std::string& source, const std::string& name) {
  auto parsed = std::make_shared<Template>();
  parsed->source = normalize_newlines(source);
  parsed->name = name;
  parsed->body = Parser(*parsed, tokenize(parsed->source, name)).parse_template();
  return parsed;
}

}  // namespace grpo::jinja
