// Prompt templates: the built-ins (R1-Zero verbatim from GRPO.md), placeholders from row fields, clear
// errors, user template files, and the name + text that a run stores.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/strings.h"
#include "datasets/prompt_template.h"
#include "error_message.h"
#include "test_support.h"

namespace grpo {
namespace {

using grpo::testing::error_of;

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << "in: " << (text)

Example example_with(const std::string& question, nlohmann::json extra = nlohmann::json::object()) {
  Example example;
  example.question = question;
  example.answer = "42";
  example.row = std::move(extra);
  example.row["question"] = question;
  example.row["answer"] = "42";
  return example;
}

// The R1-Zero template as GRPO.md prints it (the fenced block after "Table 1, verbatim"), read from the
// shared docs; empty when they are absent.
std::string r1_template_from_docs() {
  std::filesystem::path doc = testing::source_dir().parent_path() / "shared" / "docs" / "GRPO.md";
  if (!std::filesystem::exists(doc)) return "";
  std::ifstream in(doc);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  size_t heading = all.find("Table 1, verbatim");
  if (heading == std::string::npos) return "";
  size_t open = all.find("```\n", heading);
  size_t close = all.find("\n```", open + 4);
  return all.substr(open + 4, close - open - 4);
}

TEST(PromptTemplate, R1IsTheDeepSeekTemplateVerbatim) {
  std::string verbatim = r1_template_from_docs();
  if (verbatim.empty()) GTEST_SKIP() << "../shared/docs/GRPO.md is absent";
  std::string expected = verbatim;
  size_t prompt = expected.find("User: prompt.");
  ASSERT_NE(prompt, std::string::npos);
  expected.replace(prompt, std::string("User: prompt.").size(), "User: {question}.");
  EXPECT_EQ(builtin_template("r1").text, expected);
  EXPECT_EQ(builtin_template("r1").render(example_with("What is 2+2?")),
            verbatim.substr(0, prompt) + "User: What is 2+2?. Assistant:");
}

TEST(PromptTemplate, R1ThinkEndsInsideTheThinkBlock) {
  PromptTemplate think = builtin_template("r1-think");
  std::string r1 = builtin_template("r1").text;
  std::string preamble = r1.substr(0, r1.find(" User: {question}"));
  EXPECT_EQ(think.text, preamble + " User: {question}\nAssistant: <think>");
  std::string prompt = think.render(example_with("Why?"));
  EXPECT_TRUE(ends_with(prompt, " User: Why?\nAssistant: <think>")) << prompt;
}

TEST(PromptTemplate, PlainAndChatMl) {
  EXPECT_EQ(builtin_template("plain").render(example_with("the stack is red blue . remove red .")),
            "the stack is red blue . remove red .");
  std::string chat = builtin_template("chatml").render(example_with("Q?"));
  EXPECT_EQ(chat.rfind("<|im_start|>system\n", 0), 0u);
  EXPECT_CONTAINS(chat, "<|im_end|>\n<|im_start|>user\nQ?<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_TRUE(ends_with(chat, "<|im_end|>\n<|im_start|>assistant\n")) << chat;
}

TEST(PromptTemplate, UnknownBuiltinListsTheKnownOnes) {
  std::string message = error_of([] { builtin_template("r2"); });
  EXPECT_CONTAINS(message, "unknown prompt template 'r2'");
  EXPECT_CONTAINS(message, "r1, r1-think, plain, chatml");
  message = error_of([] { load_prompt_template("/no/such/template.txt"); });
  EXPECT_CONTAINS(message, "neither a built-in (r1, r1-think, plain, chatml) nor a template file");
}

TEST(PromptTemplate, RowFieldsFillPlaceholdersAndBracesEscape) {
  PromptTemplate custom{"custom", "[{subject}, level {level}] {question} {{not a field}} \\frac{1}{2} {}"};
  Example example = example_with("Find x.", {{"subject", "Algebra"}, {"level", 3}});
  EXPECT_EQ(custom.render(example), "[Algebra, level 3] Find x. {not a field} \\frac{1}{2} {}");
  EXPECT_EQ(custom.placeholders(), (std::vector<std::string>{"subject", "level", "question"}));
}

TEST(PromptTemplate, QuestionComesFromTheExampleEvenWhenTheRowDiffers) {
  Example example = example_with("asked");
  example.row["question"] = "stale";
  EXPECT_EQ(builtin_template("plain").render(example), "asked");
}

TEST(PromptTemplate, UnknownPlaceholderListsTheRowsFields) {
  PromptTemplate custom{"custom", "{question} ({topic})"};
  Example example = example_with("Q", {{"subject", "Algebra"}});
  std::string message = error_of([&] { custom.render(example); });
  EXPECT_CONTAINS(message, "prompt template 'custom' uses {topic}, but the row has no field 'topic'");
  EXPECT_CONTAINS(message, "'answer', 'question', 'subject'");
  message = error_of([&] { custom.check_fields(example.row); });
  EXPECT_CONTAINS(message, "{topic}");
}

TEST(PromptTemplate, FileTemplatesLoseOneTrailingNewlineAndNeedAPlaceholder) {
  testing::TempDir dir;
  testing::write_text(dir / "mine.txt", "Q: {question}\nA:\n");
  PromptTemplate loaded = load_prompt_template((dir / "mine.txt").string());
  EXPECT_EQ(loaded.name, "file:" + (dir / "mine.txt").string());
  EXPECT_EQ(loaded.text, "Q: {question}\nA:");
  EXPECT_EQ(loaded.render(example_with("1+1?")), "Q: 1+1?\nA:");
  testing::write_text(dir / "none.txt", "no placeholder here\n");
  EXPECT_CONTAINS(error_of([&] { load_prompt_template((dir / "none.txt").string()); }), "has no placeholder");
}

TEST(PromptTemplate, StoredAsNameAndTextAndReadBackTheSame) {
  for (const auto& name : builtin_template_names()) {
    PromptTemplate original = builtin_template(name);
    nlohmann::json stored = nlohmann::json::parse(original.to_json().dump());
    EXPECT_EQ(stored["name"], name);
    PromptTemplate restored = PromptTemplate::from_json(stored);
    EXPECT_EQ(restored.name, original.name);
    EXPECT_EQ(restored.text, original.text);
  }
  EXPECT_CONTAINS(error_of([] {
                    PromptTemplate::from_json({{"name", "x"}});
                  }),
                  "malformed stored prompt template");
}

}  // namespace
}  // namespace grpo
