// Fuzzing data loading from JSONL (datasets/): the row reader, field recognition, gold-answer extraction and
// the load-time gold checks, through load_examples with and without --skip-bad-rows.
#include "datasets/dataset_loader.h"
#include "fuzz_driver.h"
#include "fuzz_file.h"

int main(int argc, char** argv) {
  grpo::fuzz::ScratchFile file("train.jsonl");
  grpo::fuzz::Target target;
  target.name = "jsonl_rows";
  target.seeds = {
      "{\"question\": \"Janet has 3 eggs.\", \"answer\": \"She has 3.\\n#### 3\"}\n"
      "{\"question\": \"q2\", \"answer\": \"#### 1,450,000\"}\n",
      "{\"problem\": \"Compute $1+1$.\", \"solution\": \"It is $\\\\boxed{2}$.\", \"answer\": \"2\", "
      "\"level\": 1}\n"
      "{\"problem\": \"p\", \"answer\": \"10{,}000\"}\n",
      "{\"nums\": [1, 2, 3], \"target\": 6}\n{\"numbers\": [25, 50, 75, 100, 3, 6], \"target\": 952}\n",
      "\n\n{\"prompt\": \"x\", \"label\": 5}\r\n{\"query\": \"y\", \"gold\": [1, 2]}\n",
  };
  target.dictionary = {"\"question\"",
                       "\"answer\"",
                       "\"problem\"",
                       "\"solution\"",
                       "\"nums\"",
                       "\"target\"",
                       "####",
                       "\\\\boxed{",
                       "{,}",
                       "\n",
                       "\\n",
                       "\\u0000",
                       "[",
                       "]",
                       "{",
                       "}",
                       ",",
                       ":",
                       "null",
                       "\xff\xfe",
                       "\"\"",
                       "1e999"};
  target.run = [&](const std::string& input) {
    const auto& path = file.write(input);
    grpo::LoadOptions options;
    options.format = "jsonl";
    options.skip_bad_rows = true;
    const grpo::LoadedExamples skipping = grpo::load_examples(path, options);
    (void)skipping.report.summary();
    options.skip_bad_rows = false;
    const grpo::LoadedExamples strict = grpo::load_examples(path, options);
    if (strict.examples.size() != skipping.examples.size())
      throw grpo::fuzz::Finding("a strict load kept a different row count");
  };
  return grpo::fuzz::run_main(argc, argv, target);
}
