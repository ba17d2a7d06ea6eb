// The Jinja subset of chat templates, construct by construct, with the output Python's jinja2 gives under
// transformers' settings (trim_blocks, lstrip_blocks, loop controls, tojson =
// json.dumps(ensure_ascii=False)); and the errors: unsupported constructs and raised exceptions name the
// template's line and column.
#include "tokenizer/chat_template.h"

#include <gtest/gtest.h>

#include "error_message.h"
#include "test_support.h"

namespace grpo {
namespace {

using nlohmann::ordered_json;
using testing::error_of;
using testing::expect_mentions;

std::string render(const std::string& source, const ordered_json& variables = ordered_json::object()) {
  return ChatTemplate(source, "t").render(variables);
}

TEST(ChatTemplate, ForLoopVariablesAndElse) {
  ordered_json v = {{"xs", {"a", "b", "c"}}};
  EXPECT_EQ(render("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ x }}{% if loop.first %}F{% endif %}"
                   "{% if loop.last %}L{% endif %}{{ loop.revindex }}/{{ loop.length }} {% endfor %}",
                   v),
            "10aF3/3 21b2/3 32cL1/3 ");
  EXPECT_EQ(render("{% for x in [] %}no{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in xs if x != 'b' %}{{ x }}{{ loop.length }}{% endfor %}", v), "a2c2");
  EXPECT_EQ(render("{% for x in xs %}{% if x == 'b' %}{% continue %}{% endif %}{% if x == 'c' %}{% break %}"
                   "{% endif %}{{ x }}{% endfor %}",
                   v),
            "a");
  EXPECT_EQ(render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", {{"d", {{"z", 1}, {"a", 2}}}}),
            "z=1;a=2;");
  EXPECT_EQ(
      render("{% for x in xs %}{% for y in xs %}{{ loop.index }}{% endfor %}{{ loop.index }},{% endfor %}",
             v),
      "1231,1232,1233,");
}

TEST(ChatTemplate, IfElifElseAndExpressions) {
  const std::string source = "{% if n > 2 %}big{% elif n == 2 %}two{% else %}small{% endif %}";
  EXPECT_EQ(render(source, {{"n", 3}}), "big");
  EXPECT_EQ(render(source, {{"n", 2}}), "two");
  EXPECT_EQ(render(source, {{"n", 1}}), "small");
  EXPECT_EQ(
      render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 7 / 2 }} {{ 2 ** 3 }} {{ 'a' ~ 1 }} {{ 1 + 2 * 3 }}"),
      "3 -4 1 3.5 8 a1 7");
  EXPECT_EQ(render("{{ 'yes' if x else 'no' }}{{ x or 'fallback' }}{{ 0 and 1 }}", {{"x", ""}}),
            "nofallback0");
  EXPECT_EQ(
      render("{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in d }} {{ 3 not in [1] }}", {{"d", {{"k", 1}}}}),
      "True True True True");
  EXPECT_EQ(render("{{ none }} {{ true }} {{ [1, 'a', none] }} {{ {'a': 1.5} }} {{ undefined_name }}|"),
            "None True [1, 'a', None] {'a': 1.5} |");
}

TEST(ChatTemplate, SetNamespaceAndScoping) {
  EXPECT_EQ(
      render("{% set ns = namespace(count=0) %}{% for x in [1, 2, 3] %}{% set ns.count = ns.count + x %}"
             "{% endfor %}{{ ns.count }}"),
      "6");
  // A plain `set` inside a loop does not leak out of it (why templates use namespace).
  EXPECT_EQ(
      render("{% set total = 0 %}{% for x in [1, 2] %}{% set total = total + x %}{% endfor %}{{ total }}"),
      "0");
  EXPECT_EQ(render("{% set block %}in {{ 1 + 1 }}{% endset %}[{{ block }}]"), "[in 2]");
  EXPECT_EQ(render("{% set a, b = [1, 2] %}{{ b }}{{ a }}"), "21");
}

TEST(ChatTemplate, Macros) {
  EXPECT_EQ(render("{% macro greet(name, punctuation='!') %}Hi {{ name }}{{ punctuation }}{% endmacro %}"
                   "{{ greet('Ann') }} {{ greet('Bo', punctuation='?') }} {{ greet('Cy', '.') }}"),
            "Hi Ann! Hi Bo? Hi Cy.");
}

TEST(ChatTemplate, Filters) {
  ordered_json v = {{"msgs", {{{"role", "system"}, {"content", "S"}}, {{"role", "user"}, {"content", "U"}}}}};
  EXPECT_EQ(
      render("[{{ '  a b \n' | trim }}] {{ 'AbC' | lower }} {{ 'abc' | upper }} {{ [1, 2, 3] | length }} "
             "{{ 'héllo' | length }} {{ 'a-b-c' | replace('-', '+') }} {{ [1, 2] | join(', ') }}"),
      "[a b] abc ABC 3 5 a+b+c 1, 2");
  EXPECT_EQ(render("{{ missing | default('d') }} {{ '' | default('e', true) }} {{ [4, 5] | first }} "
                   "{{ [4, 5] | last }} {{ 'xyz' | first }}"),
            "d e 4 5 x");
  EXPECT_EQ(render("{{ msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | join }}"
                   "{{ msgs | rejectattr('role', 'equalto', 'user') | list | length }}"
                   "{{ msgs | map(attribute='role') | join(',') }}",
                   v),
            "U1system,user");
  EXPECT_EQ(render("{{ messages | length - 1 }}", {{"messages", {1, 2, 3}}}),
            "2");  // filters bind tighter than -
}

TEST(ChatTemplate, ToJsonMatchesPythonJsonDumps) {
  ordered_json v = ordered_json::parse(
      R"({"tool": {"name": "f", "b": [1, 2.5, true, null], "text": "é \"q\" \\ \n\t\u0001 <&>", "empty": {}, "l": []}})");
  EXPECT_EQ(
      render("{{ tool | tojson }}", v),
      "{\"name\": \"f\", \"b\": [1, 2.5, true, null], \"text\": \"é \\\"q\\\" \\\\ \\n\\t\\u0001 <&>\", "
      "\"empty\": {}, \"l\": []}");
  EXPECT_EQ(render("{{ {'b': 1, 'a': [1]} | tojson(indent=2, sort_keys=true) }}"),
            "{\n  \"a\": [\n    1\n  ],\n  \"b\": 1\n}");
  EXPECT_EQ(render("{{ {'a': 1, 'b': 2} | tojson(separators=(',', ':')) }}"), "{\"a\":1,\"b\":2}");
}

TEST(ChatTemplate, StringMethodsAndSlicing) {
  EXPECT_EQ(render("{{ s.startswith('<a') }} {{ s.endswith(('x', 'b>')) }} {{ s.split('|')[1] }} "
                   "{{ s.split('|')[-1] }} {{ 'a  b c'.split() | length }}",
                   {{"s", "<a|b>"}}),
            "True True b> b> 3");
  // Python strips only the given characters: spaces stay when asked to strip newlines.
  EXPECT_EQ(render("[{{ s.lstrip('\\n') }}][{{ s.rstrip('\\n') }}][{{ s.strip('\\n ') }}][{{ s.strip() }}]",
                   {{"s", "\n  x  \n"}}),
            "[  x  \n][\n  x  ][x][x]");
  EXPECT_EQ(render("{{ 'a-b-a'.replace('a', 'c') }} {{ 'a-b-a'.replace('a', 'c', 1) }}"), "c-b-c c-b-a");
  EXPECT_EQ(render("{{ [1, 2, 3][::-1] }} {{ 'héllo'[1:3] }} {{ 'abc'[::-1] }} {{ [1, 2, 3, 4][1::2] }} "
                   "{{ [1, 2, 3][-2:] }}"),
            "[3, 2, 1] él cba [2, 4] [2, 3]");
  EXPECT_EQ(render("{{ m.content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}",
                   {{"m", {{"content", "<think>\nwhy\n</think>\n\nanswer"}}}}),
            "why");
}

TEST(ChatTemplate, Tests) {
  ordered_json v = {{"m", {{"a", nullptr}, {"s", "x"}, {"n", 1}, {"f", false}}}};
  EXPECT_EQ(
      render("{{ m.a is none }}{{ m.b is defined }}{{ m.b is not defined }}{{ m.s is string }}"
             "{{ m is mapping }}{{ m.n is number }}{{ m.f is false }}{{ m.n is false }}{{ m.s is not none }}",
             v),
      "TrueFalseTrueTrueTrueTrueTrueFalseTrue");
  EXPECT_EQ(render("{{ not m.b is defined }} {{ 4 is divisibleby 2 }} {{ 3 is odd }}", v), "True True True");
}

TEST(ChatTemplate, WhitespaceControlTrimAndLstripBlocks) {
  // lstrip_blocks removes the indentation before a block tag; trim_blocks the newline after it.
  EXPECT_EQ(render("<\n  {% if true %}\n    x\n  {% endif %}\n>"), "<\n    x\n>");
  // `-` strips all whitespace on that side, newlines included; output tags are not trimmed by trim_blocks.
  EXPECT_EQ(render("a  \n  {{- 'b' -}}  \n  c {{ 'd' }}\n"), "abc d");
  EXPECT_EQ(render("x {#- a comment -#} y"), "xy");
  // `+` keeps the indentation; a final newline of the template is dropped (keep_trailing_newline=False).
  EXPECT_EQ(render("  {%+ if true %}v{% endif %}x\n\n"), "  vx\n");
}

TEST(ChatTemplate, ApplyPassesSpecialTokensAndKwargs) {
  ChatTemplate chat_template(
      "{{ bos_token }}{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}"
      "{% if add_generation_prompt %}>{% endif %}{{ enable_thinking }}",
      "t");
  TokenizerConfig config;
  config.bos_token = "<s>";
  chat_template.set_special_tokens(config);
  ordered_json messages = {{{"role", "user"}, {"content", "hi"}}};
  EXPECT_EQ(chat_template.apply(messages, true, parse_chat_template_kwargs({"enable_thinking=false"})),
            "<s>[user:hi]>False");
  EXPECT_EQ(chat_template.apply(messages, false), "<s>[user:hi]");
}

TEST(ChatTemplate, KwargsParsing) {
  ordered_json kwargs =
      parse_chat_template_kwargs({"a=false", "b=3", "c=text", "d=\"q\"", "e=True", "f=[1]"});
  EXPECT_EQ(kwargs.dump(), R"({"a":false,"b":3,"c":"text","d":"q","e":true,"f":[1]})");
  expect_mentions(error_of([] { parse_chat_template_kwargs({"enable_thinking"}); }),
                  {"--chat-template-kwargs", "enable_thinking", "key=value"});
}

TEST(ChatTemplateErrors, UnsupportedConstructsNameLineAndColumn) {
  expect_mentions(error_of([] { ChatTemplate("line one\n  {% include 'x.j2' %}", "my template"); }),
                  {"my template line 2, column 3", "include", "not supported"});
  expect_mentions(error_of([] { ChatTemplate("{{ x | wordwrap }}", "t"); }),
                  {"t line 1, column 8", "filter", "wordwrap"});
  expect_mentions(error_of([] { ChatTemplate("{% if x is prime %}{% endif %}", "t"); }),
                  {"line 1", "test", "prime"});
  expect_mentions(error_of([] { ChatTemplate("{% for x in y %}", "t"); }), {"t line 1", "endfor"});
  expect_mentions(error_of([] { ChatTemplate("{{ 'abc }}", "t"); }), {"line 1, column 4", "string"});
  expect_mentions(error_of([] { ChatTemplate("{% endif %}", "t"); }), {"endif", "without"});
  expect_mentions(error_of([] {
                    ChatTemplate("{{ x.title() }}\n{{ strftime_now('%d') }}", "t").render({{"x", "a"}});
                  }),
                  {"t line 2, column 4", "strftime_now", "not supported"});
  expect_mentions(error_of([] { ChatTemplate("{{ [1].append(2) }}", "t").render(ordered_json::object()); }),
                  {"line 1", "append", "not supported"});
}

TEST(ChatTemplateErrors, RaisedExceptionIsOneLineWithItsMessage) {
  std::string message = error_of([] {
    ChatTemplate(
        "{% if messages[0].role != 'user' %}\n  {{ raise_exception('Conversations must start with a user "
        "message') }}\n{% endif %}",
        "DIR/tokenizer_config.json chat template")
        .apply({{{"role", "assistant"}, {"content", "x"}}}, false);
  });
  expect_mentions(message, {"DIR/tokenizer_config.json chat template line 2", "raised",
                            "Conversations must start with a user message"});
  EXPECT_EQ(message.find('\n'), std::string::npos);
  expect_mentions(error_of([] { ChatTemplate("{{ x + 1 }}", "t").render(ordered_json::object()); }),
                  {"t line 1", "undefined"});
}

TEST(ChatTemplate, ModelDirectoryAndConversationFile) {
  testing::TempDir dir;
  expect_mentions(error_of([&] { ChatTemplate::from_model_directory(dir.path()); }),
                  {"tokenizer_config.json"});
  testing::write_text(dir / "tokenizer_config.json", R"({"eos_token": "</s>"})");
  expect_mentions(error_of([&] { ChatTemplate::from_model_directory(dir.path()); }), {"no chat template"});
  testing::write_text(
      dir / "tokenizer_config.json",
      R"({"eos_token": "</s>", "chat_template": "{% for m in messages %}{{ m.content + eos_token }}{% endfor %}"})");
  testing::write_text(dir / "conversation.json", R"({"messages": [{"role": "user", "content": "hey"}]})");
  EXPECT_EQ(ChatTemplate::from_model_directory(dir.path())
                .apply(read_conversation(dir / "conversation.json"), false),
            "hey</s>");
  testing::write_text(dir / "bad.json", R"([{"content": "no role"}])");
  expect_mentions(error_of([&] { read_conversation(dir / "bad.json"); }), {"bad.json", "message 0", "role"});
}

}  // namespace
}  // namespace grpo
