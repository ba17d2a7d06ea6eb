// grpo::Example: one question with its gold answer and every field of the row it came from.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace grpo {

struct Example {
  std::string id;  // stable id: "train.jsonl:17" (file and line) or "box_stacking:7:42" (task, seed, index)
  std::string question;  // the text put into the template's {question}
  std::string
      answer;  // the gold answer, already extracted (GSM8K: N from "#### N"; MATH: `answer` or \boxed{})
  nlohmann::json row;  // every field of the original row, plus "question" and "answer" set to the values
                       // above (countdown rows also carry "numbers": [ints] and "target": int)
};

}  // namespace grpo
