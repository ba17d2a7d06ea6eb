// tokenizer.json behind the Tokenizer interface, on a small tokenizer.json written here: merge ranks decide
// the order of merges, added tokens are one id, the loader prefers tokenizer.json in a model directory (as
// transformers' fast tokenizers do), `grpo tokenizer encode --jsonl` works, and bad files fail with one clear
// line.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "error_message.h"
#include "test_support.h"
#include "tokenizer/huggingface/huggingface_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace grpo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Byte-level BPE over "a", "b", "c" and "Ġ" (space): merges "a b" before "ab c" before "Ġ a".
json tiny_tokenizer_json() {
  return json::parse(R"({
    "version": "1.0",
    "added_tokens": [{"id": 7, "content": "<|end|>", "single_word": false, "lstrip": false, "rstrip": false,
                      "normalized": false, "special": true},
                     {"id": 8, "content": "<think>", "single_word": false, "lstrip": false, "rstrip": false,
                      "normalized": false, "special": false}],
    "normalizer": {"type": "NFC"},
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
    "post_processor": {"type": "TemplateProcessing",
                       "single": [{"SpecialToken": {"id": "<|end|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                       "special_tokens": {"<|end|>": {"id": "<|end|>", "ids": [7], "tokens": ["<|end|>"]}}},
    "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
    "model": {"type": "BPE", "dropout": null, "unk_token": null, "fuse_unk": false, "byte_fallback": false,
              "vocab": {"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "abc": 5, "Ġa": 6},
              "merges": ["a b", ["ab", "c"], "Ġ a"]}
  })");
}

fs::path write_tokenizer(const testing::TempDir& temp, const json& spec,
                         const std::string& name = "tokenizer.json") {
  testing::write_text(temp / name, spec.dump());
  return temp / name;
}

TEST(HuggingFaceTokenizer, MergesInRankOrderAndAddedTokens) {
  testing::TempDir temp;
  const auto tokenizer = load_tokenizer(write_tokenizer(temp, tiny_tokenizer_json()));
  EXPECT_EQ(tokenizer->kind(), "tokenizer.json (BPE)");
  // " ab": "a b" (rank 0) merges before "Ġ a" (rank 2) could, so the result is Ġ + ab.
  EXPECT_EQ(tokenizer->encode("abc ab"), (std::vector<int64_t>{5, 3, 4}));
  EXPECT_EQ(tokenizer->encode(" a"), (std::vector<int64_t>{6}));
  EXPECT_EQ(tokenizer->encode("abc<|end|><think>ab"), (std::vector<int64_t>{5, 7, 8, 4}));
  EXPECT_EQ(tokenizer->encode_with_special_tokens("ab"), (std::vector<int64_t>{7, 4}));
  EXPECT_EQ(tokenizer->bos_id(), 7);  // the template's one leading special token
  // Special added tokens decode as nothing (as SentencePiece control symbols), the others as written.
  EXPECT_EQ(tokenizer->decode({5, 7, 8, 3, 4}), "abc<think> ab");
  EXPECT_EQ(dynamic_cast<const HuggingFaceTokenizer&>(*tokenizer).decode({5, 7}, false), "abc<|end|>");
  EXPECT_EQ(tokenizer->vocab_size(), 9);
  EXPECT_EQ(tokenizer->id_to_piece(6), "Ġa");
  EXPECT_EQ(tokenizer->piece_to_id("<think>"), 8);
  EXPECT_EQ(tokenizer->piece_to_id("zz"), -1);
  EXPECT_EQ(tokenizer->special_tokens(), (std::vector<std::string>{"<|end|>", "<think>"}));
  // Byte-level decoding keeps the space a continuation starts with: no SentencePiece repair is needed.
  EXPECT_EQ(tokenizer->join_continuation("x", {3, 4}, tokenizer->decode({3, 4})), "x ab");
}

TEST(HuggingFaceTokenizer, TokenizerConfigOverridesTheFile) {
  testing::TempDir temp;
  TokenizerConfig settings;
  settings.eos_token = "<|end|>";
  settings.add_bos_token = false;
  settings.add_eos_token = true;
  const auto tokenizer =
      HuggingFaceTokenizer::from_tokenizer_json(write_tokenizer(temp, tiny_tokenizer_json()), settings);
  EXPECT_EQ(tokenizer->eos_id(), 7);
  EXPECT_EQ(tokenizer->encode_with_special_tokens("ab"), (std::vector<int64_t>{4, 7}));
  settings.eos_token = "<nope>";
  testing::expect_mentions(testing::error_of([&] {
                             HuggingFaceTokenizer::from_tokenizer_json(temp / "tokenizer.json", settings);
                           }),
                           {"eos_token '<nope>' is not a token"});
}

TEST(HuggingFaceTokenizer, ModelDirectoryPrefersTokenizerJson) {
  testing::TempDir temp;
  write_tokenizer(temp, tiny_tokenizer_json());
  testing::write_text(temp / "tokenizer.model", "not read: tokenizer.json comes first");
  EXPECT_EQ(load_tokenizer(temp.path())->kind(), "tokenizer.json (BPE)");
  // Without tokenizer.json the directory's tokenizer.model is used (here: named in the error it raises).
  fs::remove(temp / "tokenizer.json");
  testing::expect_mentions(testing::error_of([&] { load_tokenizer(temp.path()); }),
                           {"SentencePiece model", "tokenizer.model"});
}

// Real model directories: tokenizer_config.json decides the special tokens, as in transformers.
TEST(HuggingFaceTokenizer, RealDirectoriesUseTheirTokenizerConfig) {
  const fs::path data = testing::shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent";
  const auto qwen3 = load_tokenizer(data / "tokenizers" / "qwen3");
  EXPECT_EQ(qwen3->encode("Hello world"), (std::vector<int64_t>{9707, 1879}));
  EXPECT_EQ(qwen3->eos_id(), 151645);  // <|im_end|>
  EXPECT_EQ(qwen3->pad_id(), 151643);  // <|endoftext|>
  EXPECT_EQ(qwen3->bos_id(), -1);
  EXPECT_EQ(qwen3->encode_with_special_tokens("Hello world"), (std::vector<int64_t>{9707, 1879}));
  EXPECT_EQ(qwen3->vocab_size(), 151669);
  EXPECT_EQ(qwen3->piece_to_id("<think>"), 151667);
  // DeepSeek-V3's config asks for a bos its tokenizer.json does not add.
  const auto deepseek = load_tokenizer(data / "tokenizers" / "deepseek_v3");
  const auto bare = load_tokenizer(data / "tokenizers" / "deepseek_v3" / "tokenizer.json");
  EXPECT_EQ(deepseek->bos_id(), 0);
  EXPECT_EQ(deepseek->encode_with_special_tokens("Hi"),
            (std::vector<int64_t>{0, bare->encode("Hi").front()}));
  EXPECT_EQ(bare->encode_with_special_tokens("Hi"), bare->encode("Hi"));
}

TEST(HuggingFaceTokenizer, Gpt2VocabAndMerges) {
  testing::TempDir temp;
  testing::write_text(temp / "vocab.json",
                      R"({"a": 0, "b": 1, "Ġ": 2, "ab": 3, "Ġab": 4, "<|endoftext|>": 5})");
  testing::write_text(temp / "merges.txt", "#version: 0.2\na b\nĠ ab\n");
  const auto tokenizer = load_tokenizer(temp.path());
  EXPECT_EQ(tokenizer->encode("ab ab<|endoftext|>"), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(tokenizer->eos_id(), 5);
  EXPECT_EQ(load_tokenizer(temp / "merges.txt")->encode(" ab"), (std::vector<int64_t>{4}));
}

TEST(HuggingFaceTokenizerErrors, OneClearLineEach) {
  testing::TempDir temp;
  testing::write_text(temp / "broken.json", R"({"model": {"type": "BPE", "vocab": {"a": 0)");
  testing::expect_mentions(testing::error_of([&] { load_tokenizer(temp / "broken.json"); }),
                           {(temp / "broken.json").string(), "is not valid JSON"});
  // nlohmann reports a number beyond double's range as out_of_range, not parse_error.
  testing::write_text(temp / "huge.json", R"({"model": {"type": "BPE", "dropout": 1e400}})");
  testing::expect_mentions(testing::error_of([&] { load_tokenizer(temp / "huge.json"); }),
                           {(temp / "huge.json").string(), "is not valid JSON", "1e400"});

  json unknown_merge = tiny_tokenizer_json();
  unknown_merge["model"]["merges"].push_back("a z");
  const fs::path merge_file = write_tokenizer(temp, unknown_merge, "merge.json");
  testing::expect_mentions(
      testing::error_of([&] { load_tokenizer(merge_file); }),
      {merge_file.string(), "merge 4 ('a z')", "token 'z', which is not in the vocabulary"});

  for (const auto& [component, type] :
       std::vector<std::pair<std::string, std::string>>{{"normalizer", "BertNormalizer"},
                                                        {"pre_tokenizer", "UnicodeScripts"},
                                                        {"decoder", "CTC"},
                                                        {"post_processor", "Nothing"}}) {
    json spec = tiny_tokenizer_json();
    spec[component] = {{"type", type}};
    const fs::path file = write_tokenizer(temp, spec, component + ".json");
    const std::string message = testing::error_of([&] { load_tokenizer(file); });
    testing::expect_mentions(message, {file.string(), component + " type '" + type + "' is not supported"});
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  json word_piece = tiny_tokenizer_json();
  word_piece["model"]["type"] = "WordPiece";
  const fs::path model_file = write_tokenizer(temp, word_piece, "model.json");
  testing::expect_mentions(testing::error_of([&] { load_tokenizer(model_file); }),
                           {"model type 'WordPiece'"});
}

TEST(HuggingFaceTokenizer, EncodeJsonlCommand) {
  const fs::path grpo = testing::grpo_executable();
  if (!fs::exists(grpo))
    GTEST_SKIP() << "the grpo executable is not built at " << grpo << " (build target `grpo`)";
  testing::TempDir temp;
  write_tokenizer(temp, tiny_tokenizer_json());
  testing::write_text(temp / "input.jsonl", "{\"text\": \"abc ab\"}\n{\"text\": \"<think>ab\"}\n");
  const std::string command = "'" + grpo.string() + "' --quiet tokenizer encode --model '" +
                              temp.path().string() + "' --jsonl < '" + (temp / "input.jsonl").string() + "'";
  const auto plain = testing::run_command(command);
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_EQ(plain.output, "{\"ids\":[5,3,4]}\n{\"ids\":[8,4]}\n");
  const auto special = testing::run_command(command + " --add-special-tokens");
  ASSERT_EQ(special.exit_code, 0) << special.output;
  EXPECT_EQ(special.output, "{\"ids\":[7,5,3,4]}\n{\"ids\":[7,8,4]}\n");

  testing::write_text(temp / "bad.jsonl", "{\"text\": \"ab\"}\n{\"txt\": 1}\n");
  const auto bad = testing::run_command("'" + grpo.string() + "' --quiet tokenizer encode --model '" +
                                        (temp / "tokenizer.json").string() + "' --jsonl < '" +
                                        (temp / "bad.jsonl").string() + "'");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("standard input line 2 has no \"text\" string"), std::string::npos) << bad.output;

  testing::write_text(temp / "huge.jsonl", "{\"text\": \"ab\", \"weight\": 1e400}\n");
  const auto huge = testing::run_command("'" + grpo.string() + "' --quiet tokenizer encode --model '" +
                                         (temp / "tokenizer.json").string() + "' --jsonl < '" +
                                         (temp / "huge.jsonl").string() + "'");
  EXPECT_NE(huge.exit_code, 0);
  EXPECT_NE(huge.output.find("standard input line 1 is not JSON"), std::string::npos) << huge.output;
}

}  // namespace
}  // namespace grpo
