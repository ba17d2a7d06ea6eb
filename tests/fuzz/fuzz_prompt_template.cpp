// Fuzzing prompt templates (datasets/prompt_template.cpp): a user's template text, checked and rendered
// against a row with text, number, list and object fields; what renders must survive to_json -> from_json.
#include "datasets/prompt_template.h"
#include "fuzz_driver.h"

int main(int argc, char** argv) {
  const nlohmann::json row = {{"question", "How many boxes?"}, {"answer", "3"}, {"numbers", {1, 2, 3}},
                              {"meta", {{"level", 2}}},        {"n", 7},        {"empty", ""}};
  grpo::fuzz::Target target;
  target.name = "prompt_template";
  target.seeds = {
      grpo::builtin_template("r1").text,
      grpo::builtin_template("chatml").text,
      "Q: {question}\nNumbers: {numbers} (level {meta}) {{literal}} {n}{empty}\nA:",
  };
  target.dictionary = {"{",        "}",         "{{",     "}}",           "{question}",
                       "{answer}", "{numbers}", "{meta}", "{missing}",    "{ question }",
                       "{1}",      "{a.b}",     "\n",     "<|im_start|>", "\xf0\x9f\x98\x80"};
  target.run = [&](const std::string& input) {
    grpo::check_template_syntax(input, "fuzz");
    grpo::PromptTemplate prompt_template{"fuzz", input};
    (void)prompt_template.placeholders();
    prompt_template.check_fields(row);
    const std::string rendered = prompt_template.render(row);
    const grpo::PromptTemplate again = grpo::PromptTemplate::from_json(prompt_template.to_json());
    if (again.render(row) != rendered)
      throw grpo::fuzz::Finding("to_json -> from_json changed the rendering");
  };
  return grpo::fuzz::run_main(argc, argv, target);
}
