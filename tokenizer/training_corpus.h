// Text for tokenizer training taken from JSONL datasets: the chosen fields of every row, one line of text
// each.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace grpo {

// Appends the `fields` of every row of `jsonl_file` to `out`, one line per line of each value (SentencePiece
// reads one sentence per line). Strings are taken as they are, numbers and booleans as their JSON text.
// Returns the number of lines written. Throws grpo::Error naming file:line for invalid JSON, a row that is
// not an object, a missing field (listing the fields the row has) or a field that is an array, object or
// null.
int64_t append_jsonl_fields(const std::filesystem::path& jsonl_file, const std::vector<std::string>& fields,
                            std::ostream& out);

}  // namespace grpo
