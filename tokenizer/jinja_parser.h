// The Jinja parser for chat templates: tokens -> a small syntax tree (jinja_ast.h). A construct outside the
// supported subset (include, extends, call blocks, unknown filters or tests, ...) is an error naming the
// template's line and column, raised here before anything renders.
#pragma once

#include <memory>
#include <string>

#include "tokenizer/jinja_ast.h"

namespace grpo::jinja {

// `name` says where the template came from in errors ("DIR/tokenizer_config.json chat template").
std::shared_ptr<const Template> parse_template(const std::string& source, const std::string& name);

}  // namespace grpo::jinja
