#include "tokenizer/jinja_lexer.h"

#include <cstring>

#include "core/error.h"

namespace grpo::jinja {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c);
}

void append_utf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

class Lexer {
 public:
  Lexer(const std::string& source, const std::string& name) : source_(source), name_(name) {}

  std::vector<Token> run() {
    size_t pos = 0;
    while (pos < source_.size()) {
      size_t tag = find_tag(pos);
      std::string text = source_.substr(pos, tag - pos);
      if (tag == source_.size()) {
        emit_text(text, pos);
        break;
      }
      char kind = source_[tag + 1];  // '{', '%' or '#'
      char sign = tag + 2 < source_.size() ? source_[tag + 2] : '\0';
      if (sign == '-') {
        while (!text.empty() && is_space(text.back())) text.pop_back();
      } else if (sign != '+' && kind != '{') {
        strip_line_start(text, pos);  // lstrip_blocks
      }
      emit_text(text, pos);
      size_t inner = tag + 2 + (sign == '-' || sign == '+' ? 1 : 0);
      if (kind == '#') {
        pos = skip_comment(tag, inner);
      } else {
        tokens_.push_back({kind == '%' ? TokenKind::BlockBegin : TokenKind::OutputBegin, "", tag});
        pos = lex_tag(kind == '%', inner);
      }
    }
    tokens_.push_back({TokenKind::End, "", source_.size()});
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void error(size_t offset, const std::string& what) const {
    fail("{}: {}", describe_position(source_, name_, offset), what);
  }

  size_t find_tag(size_t from) const {
    for (size_t at = source_.find('{', from); at != std::string::npos; at = source_.find('{', at + 1)) {
      if (at + 1 < source_.size() && std::strchr("{%#", source_[at + 1])) return at;
    }
    return source_.size();
  }

  // lstrip_blocks: spaces and tabs between the start of a line and a block tag go.
  void strip_line_start(std::string& text, size_t text_offset) const {
    size_t line_start = text.rfind('\n');
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    bool line_starting = text_offset == 0 || source_[text_offset - 1] == '\n';
    if (line_start == 0 && !line_starting) return;
    for (size_t i = line_start; i < text.size(); ++i)
      if (!is_space(text[i])) return;
    text.resize(line_start);
  }

  void emit_text(const std::string& text, size_t offset) {
    if (!text.empty()) tokens_.push_back({TokenKind::Text, text, offset});
  }

  // After a block or comment end: `-` strips all whitespace, `+` nothing, otherwise one newline
  // (trim_blocks).
  size_t after_block_end(size_t end, char sign) const {
    if (sign == '-') {
      while (end < source_.size() && is_space(source_[end])) ++end;
    } else if (sign != '+' && end < source_.size() && source_[end] == '\n') {
      ++end;
    }
    return end;
  }

  size_t skip_comment(size_t tag, size_t inner) const {
    size_t close = source_.find("#}", inner);
    if (close == std::string::npos) error(tag, "a comment `{#` is never closed with `#}`");
    char sign =
        close > inner && (source_[close - 1] == '-' || source_[close - 1] == '+') ? source_[close - 1] : 0;
    return after_block_end(close + 2, sign);
  }

  // Tokens inside {% ... %} or {{ ... }}; returns the position after the closing delimiter.
  size_t lex_tag(bool block, size_t pos) {
    const char* close = block ? "%}" : "}}";
    int depth = 0;  // open ( [ { : a `}}` inside a dict literal does not end the tag
    while (true) {
      while (pos < source_.size() && is_space(source_[pos])) ++pos;
      if (pos >= source_.size()) error(pos, fmt::format("a tag is never closed with `{}`", close));
      if (depth == 0) {
        for (char sign : {'-', '+', '\0'}) {
          if (sign == '+' && !block) continue;
          size_t at = pos + (sign ? 1 : 0);
          if ((!sign || source_[pos] == sign) && source_.compare(at, 2, close) == 0) {
            tokens_.push_back({block ? TokenKind::BlockEnd : TokenKind::OutputEnd, "", pos});
            return block ? after_block_end(at + 2, sign)
                         : (sign == '-' ? after_block_end(at + 2, '-') : at + 2);
          }
        }
      }
      char c = source_[pos];
      if (is_name_start(c)) {
        size_t end = pos;
        while (end < source_.size() && is_name_char(source_[end])) ++end;
        tokens_.push_back({TokenKind::Name, source_.substr(pos, end - pos), pos});
        pos = end;
      } else if (is_digit(c)) {
        pos = lex_number(pos);
      } else if (c == '\'' || c == '"') {
        pos = lex_string(pos);
      } else {
        static const char* const operators[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*",
                                                "/",  "%",  "~",  "<",  ">",  "=",  ".", ",", ":",
                                                "|",  "(",  ")",  "[",  "]",  "{",  "}"};
        const char* found = nullptr;
        for (const char* op : operators) {
          if (source_.compare(pos, std::strlen(op), op) == 0) {
            found = op;
            break;
          }
        }
        if (!found) error(pos, fmt::format("unexpected character '{}' inside a tag", c));
        if (std::strchr("([{", found[0])) ++depth;
        if (std::strchr(")]}", found[0]) && depth > 0) --depth;
        tokens_.push_back({TokenKind::Operator, found, pos});
        pos += std::strlen(found);
      }
    }
  }

  size_t lex_number(size_t pos) {
    size_t end = pos;
    while (end < source_.size() && (is_digit(source_[end]) || source_[end] == '_')) ++end;
    bool is_float = false;
    if (end + 1 < source_.size() && source_[end] == '.' && is_digit(source_[end + 1])) {
      is_float = true;
      ++end;
      while (end < source_.size() && (is_digit(source_[end]) || source_[end] == '_')) ++end;
    }
    if (end < source_.size() && (source_[end] == 'e' || source_[end] == 'E')) {
      size_t exponent = end + 1;
      if (exponent < source_.size() && (source_[exponent] == '+' || source_[exponent] == '-')) ++exponent;
      if (exponent < source_.size() && is_digit(source_[exponent])) {
        is_float = true;
        end = exponent;
        while (end < source_.size() && is_digit(source_[end])) ++end;
      }
    }
    std::string text;
    for (size_t i = pos; i < end; ++i)
      if (source_[i] != '_') text += source_[i];
    tokens_.push_back({is_float ? TokenKind::Float : TokenKind::Integer, text, pos});
    return end;
  }

  // A Python string literal: \n \t \r \\ \' \" \xHH \uHHHH \UHHHHHHHH; other backslashes stay as written.
  size_t lex_string(size_t pos) {
    char quote = source_[pos];
    std::string value;
    size_t at = pos + 1;
    while (true) {
      if (at >= source_.size()) error(pos, "a string literal is never closed");
      char c = source_[at];
      if (c == quote) break;
      if (c != '\\' || at + 1 >= source_.size()) {
        value += c;
        ++at;
        continue;
      }
      char e = source_[at + 1];
      at += 2;
      switch (e) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'v':
          value += '\v';
          break;
        case 'a':
          value += '\a';
          break;
        case '0':
          value += '\0';
          break;
        case '\\':
          value += '\\';
          break;
        case '\'':
          value += '\'';
          break;
        case '"':
          value += '"';
          break;
        case '\n':
          break;
        case 'x':
        case 'u':
        case 'U': {
          size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (at + digits > source_.size()) error(at - 2, "a truncated \\x, \\u or \\U escape");
          uint32_t code_point = 0;
          for (size_t i = 0; i < digits; ++i) {
            char h = source_[at + i];
            int v = is_digit(h)              ? h - '0'
                    : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                    : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                             : -1;
            if (v < 0) error(at - 2, "a malformed \\x, \\u or \\U escape");
            code_point = code_point * 16 + static_cast<uint32_t>(v);
          }
          append_utf8(value, code_point);
          at += digits;
          break;
        }
        default:
          value += '\\';
          value += e;
      }
    }
    tokens_.push_back({TokenKind::String, value, pos});
    return at + 1;
  }

  const std::string& source_;
  const std::string& name_;
  std::vector<Token> tokens_;
};

}  // namespace

std::string describe_position(const std::string& source, const std::string& name, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < source.size(); ++i) {
    if (source[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(source[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return fmt::format("{} line {}, column {}", name, line, column);
}

std::vector<Token> tokenize(const std::string& source, const std::string& name) {
  return Lexer(source, name).run();
}

}  // namespace grpo::jinja
