// Prompt templates: how a question becomes the prompt the model sees. Built-ins ("r1", "r1-think", "plain",
// "chatml") or a user's file; placeholders are {question} and {any_row_field}; "{{" and "}}" are literal
// braces. A template is stored with a run (name + text) so that evaluation and sampling use the same one.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "datasets/example.h"

namespace grpo {

struct PromptTemplate {
  std::string name;  // "r1", "r1-think", "plain", "chatml", or "file:PATH" for a user's template
  std::string text;  // with {question} and {field} placeholders
  // `--template chat` (datasets/chat_prompt.h) only: the options stored with the template (null for the
  // others), and the question rendered with the model's chat template; `text` is then a preview with
  // {question}. A chat template read with from_json() has no renderer until chat_prompt_template() rebuilds
  // it.
  nlohmann::json chat_options = nullptr;
  std::function<std::string(const std::string& question)> render_chat = nullptr;

  // The prompt for one example: {question} is example.question, {field} the row's field (text as is, other
  // values as JSON). Throws naming the placeholder and listing the row's fields when one is not in the row.
  std::string render(const Example& example) const;
  std::string render(const nlohmann::json& row) const;
  // Throws as render() would, without rendering: to check a template against a data set before training.
  void check_fields(const nlohmann::json& row) const;
  // The placeholder names in order of first appearance.
  std::vector<std::string> placeholders() const;

  bool is_chat() const { return !chat_options.is_null(); }

  nlohmann::json to_json() const;  // {"name": ..., "text": ...[, "chat": chat_options]}
  static PromptTemplate from_json(const nlohmann::json& value);

 private:
  std::string render_question(const std::string& question) const;  // render_chat, or an error without it
};

// The built-in template `name`; throws listing the built-in names for an unknown one.
PromptTemplate builtin_template(const std::string& name);
std::vector<std::string> builtin_template_names();

// A built-in name, or a path to a text file holding the template (one trailing newline is dropped). Throws
// when it is neither, or when the text has a malformed placeholder. ("chat" needs the model: chat_prompt.h.)
PromptTemplate load_prompt_template(const std::string& name_or_path);

// Checks the placeholder syntax of a template text: an unclosed '{', an empty or malformed name.
void check_template_syntax(const std::string& text, const std::string& name);

}  // namespace grpo
