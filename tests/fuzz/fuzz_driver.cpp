#include "fuzz_driver.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>
#include <typeinfo>

#include <cxxabi.h>

#include "core/error.h"
#include "fuzz_mutator.h"

#if defined(GRPO_FUZZ_SANITIZED)
#include <sanitizer/common_interface_defs.h>

// Defaults for sanitizer builds, so that a plain run of a fuzz target behaves as `ctest -L fuzz` does; the
// environment's ASAN_OPTIONS / UBSAN_OPTIONS still override them. Leak checking is off: LibTorch's static
// state reads as leaks. An allocation over 2 GiB from an input of at most 64 KiB is a finding.
extern "C" const char* __asan_default_options() {
  return "detect_leaks=0:abort_on_error=1:allocator_may_return_null=0:max_allocation_size_mb=2048";
}
extern "C" const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1";
}
#endif

namespace grpo::fuzz {

namespace {

// What a signal handler needs, set before each input runs (it may only read these).
std::string g_input;
std::string g_crash_path;
const char* g_hang_message = "";

// Writes the current input to the crash file; async-signal-safe (open/write/close only).
void save_input_from_handler() {
  const int fd = ::open(g_crash_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  size_t done = 0;
  while (done < g_input.size()) {
    const ssize_t n = ::write(fd, g_input.data() + done, g_input.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

void write_stderr(const char* text) {
  const ssize_t ignored = ::write(2, text, std::strlen(text));
  (void)ignored;
}

void on_hang(int) {
  save_input_from_handler();
  write_stderr(g_hang_message);
  ::_exit(3);
}

void on_crash(int signal_number) {
  save_input_from_handler();
  write_stderr("fuzz: the target crashed (signal); the input is saved to the crash file\n");
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

void save_input() {
  std::ofstream out(g_crash_path, std::ios::binary | std::ios::trunc);
  out.write(g_input.data(), static_cast<std::streamsize>(g_input.size()));
}

#if defined(GRPO_FUZZ_SANITIZED)
size_t g_run = 0;  // the input being run, for the sanitizers' report

void on_sanitizer_report() {
  save_input();
  fmt::print(stderr, "fuzz: input {} made a sanitizer report; the input is saved to {}\n", g_run,
             g_crash_path);
}
#endif

// Bytes of address space in use now (/proc/self/statm's first field, in pages).
size_t address_space_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0;
  statm >> pages;
  return pages * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

// "std::out_of_range" rather than "St12out_of_range".
std::string type_name(const std::type_info& type) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string name = status == 0 && demangled ? demangled : type.name();
  std::free(demangled);
  return name;
}

// The first line of a message (LibTorch appends a backtrace to its own).
std::string first_line(const char* message) {
  const std::string text = message;
  return text.substr(0, text.find('\n'));
}

struct Options {
  size_t runs = 100000;
  uint64_t seed = 1;
  unsigned seconds_per_input = 10;
  size_t memory_mb = 2048;
  std::string reproduce;
};

bool parse_options(int argc, char** argv, const std::string& name, Options& options) {
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    char* end = nullptr;
    const unsigned long long number = value ? std::strtoull(value, &end, 10) : 0;
    const bool numeric = value && *value != '\0' && *end == '\0';
    if (flag == "--reproduce" && value) {
      options.reproduce = value;
    } else if (flag == "--runs" && numeric) {
      options.runs = number;
    } else if (flag == "--seed" && numeric) {
      options.seed = number;
    } else if (flag == "--seconds-per-input" && numeric && number > 0) {
      options.seconds_per_input = static_cast<unsigned>(number);
    } else if (flag == "--memory-mb" && numeric && number > 0) {
      options.memory_mb = number;
    } else {
      fmt::print(stderr,
                 "fuzz_{}: bad option '{}' (use --runs N, --seed S, --seconds-per-input T, --memory-mb M, "
                 "--reproduce FILE)\n",
                 name, flag);
      return false;
    }
  }
  return true;
}

// A finding (or crash) must be reported with the input that caused it, whichever way the process ends.
void install_guards(const Options& options) {
  ::signal(SIGALRM, on_hang);
#if defined(GRPO_FUZZ_SANITIZED)
  // The sanitizers handle crashes themselves and call this before they abort. AddressSanitizer reserves
  // terabytes of shadow memory, so the address-space limit below is replaced by max_allocation_size_mb.
  __sanitizer_set_death_callback(on_sanitizer_report);
#else
  for (int signal_number : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(signal_number, on_crash);
  // An input of at most 64 KiB has no business allocating gigabytes: with this limit such an allocation
  // fails (std::bad_alloc or LibTorch's c10::Error), which the driver reports as a finding.
  rlimit limit{};
  limit.rlim_cur = limit.rlim_max = address_space_bytes() + (options.memory_mb << 20);
  if (::setrlimit(RLIMIT_AS, &limit) != 0) fmt::print(stderr, "fuzz: could not limit the address space\n");
#endif
}

}  // namespace

int run_main(int argc, char** argv, const Target& target) {
  Options options;
  if (!parse_options(argc, argv, target.name, options)) return 2;
  g_crash_path = "fuzz_" + target.name + ".crash";
  const std::string hang_message = fmt::format(
      "fuzz_{}: one input ran longer than {} s (a hang or a super-linear scan); the input is saved to {}\n",
      target.name, options.seconds_per_input, g_crash_path);
  g_hang_message = hang_message.c_str();
  install_guards(options);

  std::vector<std::string> pool = target.seeds;
  if (!options.reproduce.empty()) {
    std::ifstream in(options.reproduce, std::ios::binary);
    if (!in) {
      fmt::print(stderr, "fuzz_{}: cannot read '{}'\n", target.name, options.reproduce);
      return 2;
    }
    pool = {std::string(std::istreambuf_iterator<char>(in), {})};
    options.runs = 1;
  }
  Mutator mutator(options.seed, target.dictionary, target.max_size);
  size_t accepted = 0, refused = 0, bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (size_t run = 0; run < options.runs; ++run) {
    // Every seed as it is first, then mutants: half of a seed (so that thousands of accepted inputs do not
    // crowd out a seed that one mutation takes somewhere new), half of the whole pool.
    if (run < pool.size() && (run < target.seeds.size() || !options.reproduce.empty())) {
      g_input = pool[run];
    } else {
      const size_t from =
          mutator.below(2) == 0 ? mutator.below(target.seeds.size()) : mutator.below(pool.size());
      g_input = mutator.mutate(pool[from], pool);
    }
    bytes += g_input.size();
#if defined(GRPO_FUZZ_SANITIZED)
    g_run = run;
#endif
    ::alarm(options.seconds_per_input);
    try {
      target.run(g_input);
      ::alarm(0);
      ++accepted;
      if (!options.reproduce.empty()) fmt::print("fuzz_{}: accepted\n", target.name);
      if (pool.size() < 4096 && g_input.size() < target.max_size / 4 && mutator.below(8) == 0)
        pool.push_back(g_input);
    } catch (const Error& e) {
      ::alarm(0);
      ++refused;
      if (!options.reproduce.empty()) fmt::print("fuzz_{}: refused: {}\n", target.name, e.what());
    } catch (const Finding& e) {
      ::alarm(0);
      save_input();
      fmt::print(stderr, "fuzz_{}: input {} broke a property: {}\n(the input is saved to {})\n", target.name,
                 run, e.what(), g_crash_path);
      return 1;
    } catch (const std::exception& e) {
      ::alarm(0);
      save_input();
      fmt::print(stderr,
                 "fuzz_{}: input {} threw {} instead of grpo::Error: {}\n(the input is saved to {})\n",
                 target.name, run, type_name(typeid(e)), first_line(e.what()), g_crash_path);
      return 1;
    } catch (...) {
      ::alarm(0);
      save_input();
      fmt::print(stderr, "fuzz_{}: input {} threw a non-standard exception\n(the input is saved to {})\n",
                 target.name, run, g_crash_path);
      return 1;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print(
      "fuzz_{}: {} inputs (seed {}, {} bytes on average) in {:.1f} s: {} accepted, {} refused with "
      "grpo::Error, "
      "no finding\n",
      target.name, options.runs, options.seed, options.runs ? bytes / options.runs : 0, seconds, accepted,
      refused);
  return 0;
}

}  // namespace grpo::fuzz
