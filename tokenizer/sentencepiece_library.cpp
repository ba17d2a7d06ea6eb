#include "tokenizer/sentencepiece_library.h"

#include <dlfcn.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <system_error>

#include "core/error.h"

#ifndef GRPO_SENTENCEPIECE_BUILD_PATH
#define GRPO_SENTENCEPIECE_BUILD_PATH ""
#endif

namespace grpo {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLibraryName = "libgrpo_sentencepiece.so";

// RTLD_DEEPBIND makes the shim and libsentencepiece resolve their symbols (protobuf's above all) inside
// themselves first. AddressSanitizer refuses RTLD_DEEPBIND, so sanitized builds open the shim in a link
// namespace of its own instead (dlmopen), which keeps the two protobufs apart as well; the shim is built
// without sanitizer flags for that (tokenizer/CMakeLists.txt), since the sanitizer runtime cannot load twice.
#if defined(__SANITIZE_ADDRESS__)
#define GRPO_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GRPO_ADDRESS_SANITIZER 1
#endif
#endif

void* open_shim(const fs::path& path) {
#ifdef GRPO_ADDRESS_SANITIZER
  return ::dlmopen(LM_ID_NEWLM, path.c_str(), RTLD_NOW | RTLD_LOCAL);
#else
  return ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
#endif
}

template <typename Function>
void resolve(void* handle, const fs::path& path, const char* name, Function& function) {
  function = reinterpret_cast<Function>(::dlsym(handle, name));
  if (!function) {
    fail(
        "{} lacks the function {}: it is not a grpo SentencePiece shim of this version; "
        "rebuild grpo or point GRPO_SENTENCEPIECE_LIB at the libgrpo_sentencepiece.so built with it",
        path.string(), name);
  }
}

SentencePieceLibrary open_library() {
  std::string attempts;
  void* handle = nullptr;
  fs::path opened;
  for (const fs::path& candidate : sentencepiece_library_candidates()) {
    // A bare file name goes to the dynamic loader's own search; other candidates must exist.
    const bool bare_name = !candidate.has_parent_path();
    std::error_code ec;
    if (!bare_name && !fs::exists(candidate, ec)) {
      attempts += "\n  " + candidate.string() + " (absent)";
      continue;
    }
    handle = open_shim(candidate);
    if (handle) {
      opened = candidate;
      break;
    }
    const char* why = ::dlerror();
    attempts += "\n  " + candidate.string() + " (" + (why ? why : "dlopen failed") + ")";
  }
  if (!handle && std::string(GRPO_SENTENCEPIECE_BUILD_PATH).empty()) {
    fail(
        "this grpo was built without SentencePiece, so it cannot read SentencePiece .model tokenizers; "
        "use the model's tokenizer.json, or install libsentencepiece-dev (scripts/setup.sh) and rebuild");
  }
  if (!handle) {
    fail(
        "cannot open the SentencePiece shim {}; tried:{}\nBuild the `grpo_sentencepiece` target (it is built "
        "with "
        "`grpo`) and keep {} next to the grpo executable, or set GRPO_SENTENCEPIECE_LIB to its path",
        kLibraryName, attempts, kLibraryName);
  }

  SentencePieceLibrary library;
  library.path = opened;
  decltype(&grpo_sp_api_version) api_version = nullptr;
  resolve(handle, opened, "grpo_sp_api_version", api_version);
  if (api_version() != GRPO_SP_API_VERSION) {
    fail("{} implements SentencePiece shim interface version {}, this grpo needs version {}: rebuild grpo",
         opened.string(), api_version(), GRPO_SP_API_VERSION);
  }
  resolve(handle, opened, "grpo_sp_load_file", library.load_file);
  resolve(handle, opened, "grpo_sp_load_bytes", library.load_bytes);
  resolve(handle, opened, "grpo_sp_free_model", library.free_model);
  resolve(handle, opened, "grpo_sp_free_buffer", library.free_buffer);
  resolve(handle, opened, "grpo_sp_encode", library.encode);
  resolve(handle, opened, "grpo_sp_decode", library.decode);
  resolve(handle, opened, "grpo_sp_vocab_size", library.vocab_size);
  resolve(handle, opened, "grpo_sp_id_to_piece", library.id_to_piece);
  resolve(handle, opened, "grpo_sp_piece_to_id", library.piece_to_id);
  resolve(handle, opened, "grpo_sp_piece_type", library.piece_type);
  resolve(handle, opened, "grpo_sp_unk_id", library.unk_id);
  resolve(handle, opened, "grpo_sp_bos_id", library.bos_id);
  resolve(handle, opened, "grpo_sp_eos_id", library.eos_id);
  resolve(handle, opened, "grpo_sp_pad_id", library.pad_id);
  resolve(handle, opened, "grpo_sp_train", library.train);
  // The handle stays open for the life of the process: models and the trainer live inside it.
  return library;
}

}  // namespace

std::string SentencePieceLibrary::take_error(char* error) const {
  if (!error) return "unknown error";
  std::string message(error);
  free_buffer(error);
  return message;
}

std::vector<fs::path> sentencepiece_library_candidates() {
  std::vector<fs::path> candidates;
  if (const char* from_environment = std::getenv("GRPO_SENTENCEPIECE_LIB")) {
    if (*from_environment) candidates.emplace_back(from_environment);
  }
  std::error_code ec;
  const fs::path executable = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path directory = executable.parent_path();
    candidates.push_back(directory / kLibraryName);
    candidates.push_back(directory / "lib" / kLibraryName);
    candidates.push_back((directory.parent_path() / "lib" / kLibraryName).lexically_normal());
  }
  const fs::path build_path = GRPO_SENTENCEPIECE_BUILD_PATH;
  if (!build_path.empty()) candidates.push_back(build_path);
  candidates.emplace_back(kLibraryName);
  return candidates;
}

const SentencePieceLibrary& sentencepiece_library() {
  static std::mutex mutex;
  static std::unique_ptr<SentencePieceLibrary> library;
  std::lock_guard<std::mutex> lock(mutex);
  if (!library) library = std::make_unique<SentencePieceLibrary>(open_library());
  return *library;
}

}  // namespace grpo
