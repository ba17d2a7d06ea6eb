// Where a model is asked for (--model, a directory argument), three kinds of directory are accepted: a model
// directory (config.json, weights, tokenizer.model), a checkpoint (RUN_DIR/checkpoints/step-N: its model/),
// and a run directory (its newest checkpoint's model/).
#pragma once

#include <string>

namespace grpo::app {

// The model directory that `given` names. Says on stderr which model it took when that is not `given` itself
// (unless `quiet`). Throws grpo::Error naming `option` ("--model") for a path that is none of the three.
std::string resolve_model_directory(const std::string& given, const std::string& option, bool quiet);

}  // namespace grpo::app
