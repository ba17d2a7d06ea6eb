#include "datasets/chat_prompt.h"

#include <memory>

#include "core/error.h"
#include "datasets/text_snippet.h"
#include "tokenizer/chat_template.h"

namespace grpo {

namespace {

using nlohmann::ordered_json;

// Where the question goes in the preview text: between two private-use characters (U+E000), which no
// question holds and which trim and strip() keep.
const char* const kQuestionMark = "\xee\x80\x80question\xee\x80\x80";

// The preview as a {placeholder} template: literal braces doubled, the question mark replaced by {question}.
std::string preview_template(const std::string& rendered) {
  const std::string mark = kQuestionMark;
  std::string text;
  for (size_t i = 0; i < rendered.size();) {
    if (rendered.compare(i, mark.size(), mark) == 0) {
      text += "{question}";
      i += mark.size();
      continue;
    }
    if (rendered[i] == '{' || rendered[i] == '}') text += rendered[i];
    text += rendered[i++];
  }
  return text;
}

std::string with_line_breaks(std::string text) {
  for (size_t at = text.find("\\n"); at != std::string::npos; at = text.find("\\n", at + 1)) {
    text.replace(at, 2, "\n");
  }
  return text;
}

}  // namespace

bool ChatPromptOptions::empty() const {
  return system_prompt.empty() && template_kwargs.empty() && assistant_prefix.empty();
}

nlohmann::json ChatPromptOptions::to_json() const {
  return {{"system_prompt", system_prompt},
          {"chat_template_kwargs", nlohmann::json::parse(template_kwargs.dump())},
          {"assistant_prefix", assistant_prefix}};
}

ChatPromptOptions ChatPromptOptions::from_json(const nlohmann::json& value) {
  try {
    ChatPromptOptions options;
    options.system_prompt = value.value("system_prompt", std::string());
    options.assistant_prefix = value.value("assistant_prefix", std::string());
    if (value.contains("chat_template_kwargs")) {
      options.template_kwargs = ordered_json::parse(value.at("chat_template_kwargs").dump());
      if (!options.template_kwargs.is_object()) fail("chat_template_kwargs is not an object");
    }
    return options;
  } catch (const nlohmann::json::exception& e) {
    fail(
        "malformed stored chat prompt options (expected {{\"system_prompt\", \"chat_template_kwargs\", "
        "\"assistant_prefix\"}}): {}: {}",
        e.what(), snippet(value.dump()));
  }
}

ChatPromptOptions chat_prompt_options(const std::string& system_prompt,
                                      const std::vector<std::string>& template_kwargs,
                                      const std::string& assistant_prefix) {
  ChatPromptOptions options;
  options.system_prompt = system_prompt;
  options.template_kwargs = parse_chat_template_kwargs(template_kwargs);
  options.assistant_prefix = with_line_breaks(assistant_prefix);
  return options;
}

PromptTemplate chat_prompt_template(const std::filesystem::path& model_directory,
                                    const ChatPromptOptions& options) {
  auto chat_template =
      std::make_shared<const ChatTemplate>(ChatTemplate::from_model_directory(model_directory));
  auto render = [chat_template, options](const std::string& question) {
    ordered_json messages = ordered_json::array();
    if (!options.system_prompt.empty()) {
      messages.push_back({{"role", "system"}, {"content", options.system_prompt}});
    }
    messages.push_back({{"role", "user"}, {"content", question}});
    return chat_template->apply(messages, /*add_generation_prompt=*/true, options.template_kwargs) +
           options.assistant_prefix;
  };
  PromptTemplate prompt{kChatTemplateName, preview_template(render(kQuestionMark))};
  prompt.chat_options = options.to_json();
  prompt.render_chat = render;
  return prompt;
}

void check_chat_options_apply(const std::string& template_name, const ChatPromptOptions& options) {
  if (template_name == kChatTemplateName || options.empty()) return;
  fail(
      "--system-prompt, --chat-template-kwargs and --assistant-prefix apply to --template chat only (the "
      "template here is '{}')",
      template_name);
}

PromptTemplate load_prompt_template(const std::string& name_or_path,
                                    const std::filesystem::path& model_directory,
                                    const ChatPromptOptions& options) {
  if (name_or_path == kChatTemplateName) return chat_prompt_template(model_directory, options);
  check_chat_options_apply(name_or_path, options);
  return load_prompt_template(name_or_path);
}

}  // namespace grpo
