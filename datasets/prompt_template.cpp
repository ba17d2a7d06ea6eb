#include "datasets/prompt_template.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>

#include "core/error.h"
#include "core/files.h"
#include "datasets/field_mapping.h"
#include "datasets/text_snippet.h"

namespace grpo {

namespace {

// The DeepSeek-R1 paper, Table 1, verbatim up to "User:"; `prompt` there is {question} here.
const char* const kR1Preamble =
    "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. The "
    "assistant first thinks about the reasoning process in the mind and then provides the user with the "
    "answer. "
    "The reasoning process and answer are enclosed within <think> </think> and <answer> </answer> tags, "
    "respectively, i.e., <think> reasoning process here </think> <answer> answer here </answer>.";

const char* const kChatMlSystem =
    "You are a helpful assistant. You first think about the reasoning process in the mind and then provide "
    "the "
    "user with the answer. The reasoning process and answer are enclosed within <think> </think> and "
    "<answer> "
    "</answer> tags, respectively, i.e., <think> reasoning process here </think> <answer> answer here "
    "</answer>.";

struct Builtin {
  const char* name;
  std::string text;
};

const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> list = {
      {"r1", std::string(kR1Preamble) + " User: {question}. Assistant:"},
      {"r1-think", std::string(kR1Preamble) + " User: {question}\nAssistant: <think>"},
      {"plain", "{question}"},
      {"chatml", std::string("<|im_start|>system\n") + kChatMlSystem +
                     "<|im_end|>\n<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n"},
  };
  return list;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

// Walks the template: calls on_text for literal text and on_field for each placeholder name. A '{' opens a
// placeholder only when a name and '}' follow ("{question}"); "{{" and "}}" are literal braces; any other
// brace is literal too, so JSON or LaTeX in a template needs no escaping unless it looks like {name}.
void walk(const std::string& text, const std::function<void(std::string_view)>& on_text,
          const std::function<void(const std::string&)>& on_field) {
  size_t i = 0;
  size_t literal_start = 0;
  auto flush = [&](size_t end) {
    if (end > literal_start) on_text(std::string_view(text).substr(literal_start, end - literal_start));
  };
  while (i < text.size()) {
    if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) {
      flush(i + 1);  // keep one brace
      i += 2;
      literal_start = i;
      continue;
    }
    if (text[i] == '{') {
      size_t end = i + 1;
      while (end < text.size() && is_name_char(text[end])) ++end;
      if (end > i + 1 && end < text.size() && text[end] == '}' &&
          (std::isalpha(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '_')) {
        flush(i);
        on_field(text.substr(i + 1, end - i - 1));
        i = end + 1;
        literal_start = i;
        continue;
      }
    }
    ++i;
  }
  flush(text.size());
}

std::string value_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::vector<std::string> builtin_template_names() {
  std::vector<std::string> names;
  for (const auto& builtin : builtins()) names.push_back(builtin.name);
  return names;
}

PromptTemplate builtin_template(const std::string& name) {
  for (const auto& builtin : builtins()) {
    if (builtin.name == name) return PromptTemplate{name, builtin.text};
  }
  fail("unknown prompt template '{}'; the built-in ones are {} (or give a path to a template file)", name,
       fmt::join(builtin_template_names(), ", "));
}

void check_template_syntax(const std::string& text, const std::string& name) {
  std::vector<std::string> fields;
  walk(
      text, [](std::string_view) {}, [&](const std::string& field) { fields.push_back(field); });
  if (fields.empty()) {
    fail(
        "prompt template '{}' has no placeholder: it needs {{question}} (or another {{field}}) where the "
        "question "
        "goes: {}",
        name, snippet(text));
  }
}

PromptTemplate load_prompt_template(const std::string& name_or_path) {
  for (const auto& builtin : builtins()) {
    if (builtin.name == name_or_path) return PromptTemplate{builtin.name, builtin.text};
  }
  if (!std::filesystem::is_regular_file(name_or_path)) {
    fail(
        "prompt template '{}' is neither a built-in ({}) nor a template file (chat, the model's own "
        "template, is for train, eval and sample)",
        name_or_path, fmt::join(builtin_template_names(), ", "));
  }
  std::string text = read_file(name_or_path);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  PromptTemplate loaded{"file:" + name_or_path, std::move(text)};
  check_template_syntax(loaded.text, loaded.name);
  return loaded;
}

std::vector<std::string> PromptTemplate::placeholders() const {
  std::vector<std::string> fields;
  walk(
      text, [](std::string_view) {},
      [&](const std::string& field) {
        if (std::find(fields.begin(), fields.end(), field) == fields.end()) fields.push_back(field);
      });
  return fields;
}

void PromptTemplate::check_fields(const nlohmann::json& row) const {
  if (is_chat()) return;  // the question is the example's, whatever the row calls it
  for (const auto& field : placeholders()) {
    if (!row.is_object() || !row.contains(field)) {
      fail(
          "prompt template '{}' uses {{{}}}, but the row has no field '{}'; its fields: {} (write {{{{ and "
          "}}}} "
          "for literal braces)",
          name, field, field, field_names(row));
    }
  }
}

std::string PromptTemplate::render(const nlohmann::json& row) const {
  if (is_chat()) {
    if (!row.is_object() || !row.contains("question") || !row["question"].is_string()) {
      fail("prompt template 'chat' needs a row with a \"question\" text; its fields: {}", field_names(row));
    }
    return render_question(row["question"].get<std::string>());
  }
  check_fields(row);
  std::string out;
  walk(
      text, [&](std::string_view literal) { out += literal; },
      [&](const std::string& field) { out += value_text(row.at(field)); });
  return out;
}

std::string PromptTemplate::render(const Example& example) const {
  if (is_chat()) return render_question(example.question);
  if (example.row.is_object() && example.row.contains("question") &&
      example.row["question"] == example.question) {
    return render(example.row);
  }
  nlohmann::json row = example.row.is_object() ? example.row : nlohmann::json::object();
  row["question"] = example.question;
  return render(row);
}

std::string PromptTemplate::render_question(const std::string& question) const {
  if (!render_chat) {
    fail(
        "prompt template 'chat' was read without the model's chat template (a stored template: load it with "
        "the model directory)");
  }
  return render_chat(question);
}

nlohmann::json PromptTemplate::to_json() const {
  nlohmann::json value = {{"name", name}, {"text", text}};
  if (is_chat()) value["chat"] = chat_options;
  return value;
}

PromptTemplate PromptTemplate::from_json(const nlohmann::json& value) {
  try {
    PromptTemplate loaded{value.at("name").get<std::string>(), value.at("text").get<std::string>()};
    if (value.contains("chat")) loaded.chat_options = value.at("chat");
    check_template_syntax(loaded.text, loaded.name);
    return loaded;
  } catch (const nlohmann::json::exception& e) {
    fail("malformed stored prompt template (expected {{\"name\": ..., \"text\": ...}}): {}: {}", e.what(),
         snippet(value.dump()));
  }
}

}  // namespace grpo
