#include "trainer/sft_examples.h"

#include "core/error.h"
#include "datasets/row_reader.h"
#include "tokenizer/chat_template.h"
#include "trainer/prompt_encoding.h"

namespace grpo {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

const std::string& string_field(const json& row, const char* name, const std::string& where) {
  if (!row.contains(name) || !row.at(name).is_string())
    fail("{}: \"{}\" must be a string (SFT rows hold \"prompt\" and \"completion\", or \"messages\")", where,
         name);
  return row.at(name).get_ref<const std::string&>();
}

// The messages of a row, each {"role": string, "content": string}.
ordered_json messages_of(const json& row, const std::string& where) {
  const json& messages = row.at("messages");
  if (!messages.is_array() || messages.empty())
    fail("{}: \"messages\" must be a non-empty list of {{\"role\", \"content\"}} objects", where);
  for (size_t i = 0; i < messages.size(); ++i) {
    const json& message = messages[i];
    if (!message.is_object() || !message.contains("role") || !message["role"].is_string() ||
        !message.contains("content") || !message["content"].is_string()) {
      fail("{}: message {} must be an object with string \"role\" and \"content\"", where, i + 1);
    }
  }
  return ordered_json::parse(messages.dump());
}

}  // namespace

int64_t SftExample::trained_count() const {
  int64_t count = 0;
  for (uint8_t flag : trained) count += flag;
  return count;
}

SftFormatter::SftFormatter(const Tokenizer& tokenizer, SftFormatting formatting)
    : tokenizer_(tokenizer), formatting_(std::move(formatting)) {
  if (formatting_.prompt_template.is_chat()) {
    chat_template_ =
        std::make_shared<const ChatTemplate>(ChatTemplate::from_model_directory(formatting_.model_directory));
  }
}

SftFormatter::~SftFormatter() = default;

std::vector<SftFormatter::Piece> SftFormatter::prompt_completion_pieces(const json& row,
                                                                        const std::string& where) const {
  json fields = row;
  fields["question"] = string_field(row, "prompt", where);
  const std::string& completion = string_field(row, "completion", where);
  std::string prompt;
  try {
    prompt = formatting_.prompt_template.render(fields);
  } catch (const Error& e) {
    fail("{}: {}", where, e.what());
  }
  return {{prompt, false}, {completion, true}};
}

std::vector<SftFormatter::Piece> SftFormatter::conversation_pieces(const json& row,
                                                                   const std::string& where) const {
  ordered_json messages = messages_of(row, where);
  if (!chat_template_) {
    // One exchange through a text template: [system,] user, assistant.
    size_t first = messages[0]["role"] == "system" ? 1 : 0;
    if (messages.size() != first + 2 || messages[first]["role"] != "user" ||
        messages[first + 1]["role"] != "assistant") {
      fail(
          "{}: with --template {}, \"messages\" must be one exchange ([system,] user, assistant); "
          "conversations need --template chat",
          where, formatting_.prompt_template.name);
    }
    json fields = row;
    fields["question"] = messages[first]["content"].get<std::string>();
    return {{formatting_.prompt_template.render(fields), false},
            {messages[first + 1]["content"].get<std::string>(), true}};
  }
  if (messages[0]["role"] != "system" && !formatting_.chat_options.system_prompt.empty()) {
    messages.insert(messages.begin(),
                    ordered_json{{"role", "system"}, {"content", formatting_.chat_options.system_prompt}});
  }
  const ordered_json& kwargs = formatting_.chat_options.template_kwargs;
  auto render = [&](size_t count, bool generation_prompt) {
    ordered_json head = ordered_json::array();
    for (size_t i = 0; i < count; ++i) head.push_back(messages[i]);
    try {
      return chat_template_->apply(head, generation_prompt, kwargs);
    } catch (const Error& e) {
      fail("{}: {}", where, e.what());
    }
  };
  // Each assistant message is what the template adds between the conversation before it (with the
  // generation prompt) and the conversation up to it; both must be prefixes of the whole rendering.
  const std::string whole = render(messages.size(), false);
  std::vector<Piece> pieces;
  size_t done = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i]["role"] != "assistant") continue;
    const std::string before = render(i, true);
    const std::string through = render(i + 1, false);
    if (whole.compare(0, before.size(), before) != 0 || whole.compare(0, through.size(), through) != 0 ||
        before.size() < done || through.size() < before.size()) {
      fail(
          "{}: the chat template does not render this conversation turn by turn (message {} changes what "
          "comes before it, as templates that drop earlier reasoning do): give one exchange per row",
          where, i + 1);
    }
    pieces.push_back({whole.substr(done, before.size() - done), false});
    pieces.push_back({whole.substr(before.size(), through.size() - before.size()), true});
    done = through.size();
  }
  if (pieces.empty()) fail("{}: \"messages\" has no assistant message to learn from", where);
  if (done < whole.size()) pieces.push_back({whole.substr(done), false});
  return pieces;
}

SftExample SftFormatter::format(const json& row, const std::string& where, const std::string& id) const {
  const bool conversation = row.contains("messages");
  if (conversation && (row.contains("prompt") || row.contains("completion")))
    fail("{}: a row holds \"messages\" or \"prompt\" and \"completion\", not both", where);
  if (!conversation && !row.contains("prompt"))
    fail("{}: no \"prompt\" and \"completion\" nor \"messages\" field (fields: {})", where, row.dump());
  std::vector<Piece> pieces =
      conversation ? conversation_pieces(row, where) : prompt_completion_pieces(row, where);

  SftExample example;
  example.id = id;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].text.empty()) continue;
    std::vector<int64_t> ids =
        example.ids.empty() ? encode_prompt(tokenizer_, pieces[i].text) : tokenizer_.encode(pieces[i].text);
    const bool trained = pieces[i].trained || !formatting_.completion_only_loss;
    example.ids.insert(example.ids.end(), ids.begin(), ids.end());
    example.trained.insert(example.trained.end(), ids.size(), trained ? 1 : 0);
  }
  // A prompt-completion row ends with eos, which the model must learn to write (a chat template writes its
  // own end of turn).
  if (!conversation && tokenizer_.eos_id() >= 0) {
    example.ids.push_back(tokenizer_.eos_id());
    example.trained.push_back(1);
  }
  if (!example.trained.empty()) example.trained[0] = 0;  // nothing predicts the first token
  return example;
}

SftExamples read_sft_examples(const std::filesystem::path& path, const SftFormatter& formatter,
                              int64_t max_length) {
  SftExamples result;
  read_jsonl_rows(
      path,
      [&](RawRow&& row) {
        SftExample example = formatter.format(row.fields, row.where, row.id);
        if (max_length > 0 && static_cast<int64_t>(example.ids.size()) > max_length) {
          example.ids.resize(static_cast<size_t>(max_length));
          example.trained.resize(static_cast<size_t>(max_length));
          ++result.truncated;
        }
        if (example.trained_count() == 0) {
          ++result.dropped;
          return;
        }
        result.examples.push_back(std::move(example));
      },
      [](const BadRecord& bad) { fail("{}", bad.message); });
  return result;
}

}  // namespace grpo
