// Renders a parsed chat template (jinja_parser.h) with variables, as transformers' jinja2 environment would:
// trim_blocks, lstrip_blocks, loop controls, `raise_exception`, `namespace`, `range`, and tojson without HTML
// escaping.
#pragma once

#include <string>

#include "tokenizer/jinja_ast.h"

namespace grpo::jinja {

// `variables` is a JSON object (messages, add_generation_prompt, bos_token, ...). Errors (a raised exception,
// an unsupported call, `+` on an undefined value, ...) are grpo::Error naming the template's line and column.
std::string render(const Template& parsed, const Value& variables);

}  // namespace grpo::jinja
