// The Jinja lexer for chat templates: template text -> tokens (literal text, tag delimiters, names, literals,
// operators), applying the whitespace rules transformers renders with: `{%-`/`-%}` (and `{{-`, `{#-`, ...),
// trim_blocks and lstrip_blocks, and the dropped final newline.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace grpo::jinja {

enum class TokenKind {
  Text,         // literal template text (already whitespace-controlled)
  BlockBegin,   // {%
  BlockEnd,     // %}
  OutputBegin,  // {{
  OutputEnd,    // }}
  Name,
  String,  // a string literal, escapes resolved
  Integer,
  Float,
  Operator,  // + - * / // % ** ~ == != < > <= >= = . , : | ( ) [ ] { }
  End,
};

struct Token {
  TokenKind kind;
  std::string text;   // Text / Name / String: the value; Integer / Float / Operator: as written
  size_t offset = 0;  // where it starts in the template source (for line and column in errors)
};

// Throws grpo::Error "NAME line L, column C: ..." for an unterminated tag, string or comment.
std::vector<Token> tokenize(const std::string& source, const std::string& name);

// "NAME line L, column C" for a byte offset of `source` (columns count characters, from 1).
std::string describe_position(const std::string& source, const std::string& name, size_t offset);

}  // namespace grpo::jinja
