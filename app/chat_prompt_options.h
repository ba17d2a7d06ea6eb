// The options of `--template chat` (datasets/chat_prompt.h), shared by train, eval and sample.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace grpo::app {

struct ChatOptionHandles {
  CLI::Option* system_prompt;
  CLI::Option* template_kwargs;
  CLI::Option* assistant_prefix;
};

inline ChatOptionHandles add_chat_prompt_options(CLI::App& command, std::string& system_prompt,
                                                 std::vector<std::string>& template_kwargs,
                                                 std::string& assistant_prefix,
                                                 const std::string& group = "") {
  ChatOptionHandles handles;
  handles.system_prompt = command.add_option("--system-prompt", system_prompt,
                                             "--template chat: a system message before the question");
  handles.template_kwargs =
      command
          .add_option("--chat-template-kwargs", template_kwargs,
                      "--template chat: template variables, key=value (e.g. enable_thinking=false)")
          ->delimiter(',');
  handles.assistant_prefix = command.add_option(
      "--assistant-prefix", assistant_prefix,
      "--template chat: text that ends the prompt, e.g. '<think>\\n' (\\n is a line break); the rewards see "
      "only what the model writes after it");
  if (!group.empty()) {
    for (CLI::Option* option : {handles.system_prompt, handles.template_kwargs, handles.assistant_prefix}) {
      option->group(group);
    }
  }
  return handles;
}

}  // namespace grpo::app
