#include "rewards/plugin_reward.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <fmt/format.h>
#include <pthread.h>

#include <array>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "rewards/grpo_reward_plugin.h"
#include "rewards/text_scan.h"

namespace grpo {

struct PluginReward::Loaded {
  void* library = nullptr;
  const grpo_reward_plugin* plugin = nullptr;
  void* state = nullptr;
  bool created = false;
  bool cancelled =
      false;  // a score() call was cancelled: the state may be half-updated, so destroy() is skipped
  ~Loaded() {
    if (created && !cancelled && plugin->destroy) plugin->destroy(state);
    if (library) dlclose(library);
  }
};

namespace {

constexpr size_t kErrorCapacity = 1024;

std::string c_text(const char* text, size_t capacity) {
  size_t length = 0;
  while (length < capacity && text[length] != '\0') ++length;
  return text::valid_utf8(std::string_view(text, length));
}

// Everything one score() call needs, owned, so that a call still running after a timeout reads nothing freed.
struct PluginCall {
  std::vector<RewardInput> batch;
  std::vector<std::string> rows;
  std::vector<grpo_reward_input> inputs;
  std::vector<grpo_reward_output> outputs;
  std::array<char, kErrorCapacity> error{};
  int status = 0;
  std::string exception;
  std::mutex mutex;
  std::condition_variable finished_signal;
  bool finished = false;  // the plugin returned (results are valid)
  bool ended = false;     // the worker thread is done, returned or cancelled
};

// Marks the call ended when the worker leaves its function, by return or by cancellation (glibc unwinds a
// cancelled thread, running destructors).
struct EndedSignal {
  PluginCall& call;
  ~EndedSignal() {
    std::lock_guard<std::mutex> lock(call.mutex);
    call.ended = true;
    call.finished_signal.notify_all();
  }
};

// How long a cancelled call gets to reach a cancellation point (sleep, read, poll, wait...) and end.
constexpr double kCancelGraceSeconds = 2.0;

}  // namespace

PluginSpec parse_plugin_spec(const std::string& argument) {
  PluginSpec spec;
  size_t marker = argument.find(".so:");
  if (marker == std::string::npos) {
    spec.path = argument;
    return spec;
  }
  spec.path = argument.substr(0, marker + 3);
  std::string rest = argument.substr(marker + 4);
  size_t colon = rest.find(':');
  spec.name = rest.substr(0, colon);
  if (colon != std::string::npos) spec.config = rest.substr(colon + 1);
  return spec;
}

PluginReward::PluginReward(const PluginSpec& spec, double timeout_seconds)
    : path_(spec.path), timeout_seconds_(timeout_seconds), loaded_(std::make_shared<Loaded>()) {
  if (spec.path.empty())
    fail("plugin reward: no library path; write --reward plugin:path/to/libmine.so:NAME");
  std::string open_path = spec.path;
  if (open_path.find('/') == std::string::npos && std::filesystem::exists(open_path))
    open_path = "./" + open_path;
  dlerror();
  loaded_->library = dlopen(open_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!loaded_->library) {
    const char* why = dlerror();
    fail(
        "plugin reward: cannot load '{}': {}; check the path and that it is a shared library built for this "
        "machine",
        spec.path, why ? why : "unknown error");
  }
  auto version_fn = reinterpret_cast<grpo_reward_plugin_abi_version_fn>(
      dlsym(loaded_->library, "grpo_reward_plugin_abi_version"));
  auto plugins_fn = reinterpret_cast<grpo_reward_plugins_fn>(dlsym(loaded_->library, "grpo_reward_plugins"));
  if (!version_fn || !plugins_fn) {
    fail(
        "plugin reward: '{}' is not a grpo reward plugin: it must export grpo_reward_plugin_abi_version and "
        "grpo_reward_plugins (see rewards/grpo_reward_plugin.h)",
        spec.path);
  }
  uint32_t version = version_fn();
  if (version != GRPO_REWARD_PLUGIN_ABI_VERSION) {
    fail(
        "plugin reward: '{}' was built for plugin ABI version {}, this grpo speaks version {}; rebuild it "
        "against "
        "this grpo's rewards/grpo_reward_plugin.h",
        spec.path, version, GRPO_REWARD_PLUGIN_ABI_VERSION);
  }
  size_t count = 0;
  const grpo_reward_plugin* plugins = plugins_fn(&count);
  if (!plugins || count == 0) fail("plugin reward: '{}' lists no rewards", spec.path);
  std::string names;
  for (size_t i = 0; i < count; ++i) {
    const char* name = plugins[i].name ? plugins[i].name : "";
    names += (i ? ", " : "") + std::string(name);
    if (spec.name.empty() ? count == 1 : spec.name == name) loaded_->plugin = &plugins[i];
  }
  if (!loaded_->plugin) {
    if (spec.name.empty()) {
      fail("plugin reward: '{}' has {} rewards ({}); choose one with plugin:{}:NAME", spec.path, count, names,
           spec.path);
    }
    fail("plugin reward: '{}' has no reward named '{}'; it has: {}", spec.path, spec.name, names);
  }
  if (!loaded_->plugin->score)
    fail("plugin reward: '{}': reward '{}' has no score function", spec.path, names);
  name_ = loaded_->plugin->name ? loaded_->plugin->name : "plugin";
  if (loaded_->plugin->create) {
    std::array<char, kErrorCapacity> error{};
    loaded_->state = loaded_->plugin->create(spec.config.c_str(), error.data(), error.size());
    if (!loaded_->state) {
      fail("plugin reward '{}' ({}) could not start with config {}: {}", name_, spec.path,
           text::quote(spec.config), error[0] ? c_text(error.data(), error.size()) : "no message");
    }
  }
  loaded_->created = true;
}

PluginReward::~PluginReward() {
  // A call still running holds its own reference; the library stays loaded until it returns.
}

std::vector<RewardResult> PluginReward::score(const std::vector<RewardInput>& batch) {
  if (hung_) {
    fail("plugin reward '{}' ({}) did not finish an earlier batch within {} s and is not called again", name_,
         path_, timeout_seconds_);
  }
  if (batch.empty()) return {};
  auto call = std::make_shared<PluginCall>();
  call->batch = batch;
  call->rows.reserve(batch.size());
  for (const RewardInput& input : call->batch) {
    call->rows.push_back(input.row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  call->inputs.resize(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const RewardInput& input = call->batch[i];
    call->inputs[i] = grpo_reward_input{
        input.prompt.data(),         input.prompt.size(),         input.completion.data(),
        input.completion.size(),     input.completion_ids.data(), input.completion_ids.size(),
        input.finish_reason.c_str(), call->rows[i].data(),        call->rows[i].size()};
  }
  call->outputs.resize(batch.size());
  std::memset(call->outputs.data(), 0, sizeof(grpo_reward_output) * call->outputs.size());

  std::shared_ptr<Loaded> loaded = loaded_;
  std::thread worker([call, loaded] {
    // Cancellation is allowed only inside the plugin's score(), never in grpo's own code around it.
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, nullptr);
    EndedSignal ended{*call};
    int status = 0;
    std::string exception;
    try {
      pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, nullptr);
      status = loaded->plugin->score(loaded->state, call->inputs.data(), call->inputs.size(),
                                     call->outputs.data(), call->error.data(), call->error.size());
      pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, nullptr);
    } catch (const abi::__forced_unwind&) {
      throw;  // cancellation: unwind to the end of the thread
    } catch (const std::exception& e) {
      status = -1;
      exception = e.what();
    } catch (...) {
      status = -1;
      exception = "an unknown C++ exception";
    }
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, nullptr);
    std::lock_guard<std::mutex> lock(call->mutex);
    call->status = status;
    call->exception = std::move(exception);
    call->finished = true;
  });
  {
    std::unique_lock<std::mutex> lock(call->mutex);
    if (timeout_seconds_ > 0) {
      auto limit = std::chrono::duration<double>(timeout_seconds_);
      if (!call->finished_signal.wait_for(lock, limit, [&] { return call->ended; })) {
        // Cancel the call: a plugin waiting in a system call (sleep, I/O, a condition variable) stops there.
        // One that computes without ever reaching a cancellation point cannot be stopped from outside.
        hung_ = true;
        loaded_->cancelled = true;
        pthread_cancel(worker.native_handle());
        const bool stopped = call->finished_signal.wait_for(
            lock, std::chrono::duration<double>(kCancelGraceSeconds), [&] { return call->ended; });
        lock.unlock();
        if (stopped) {
          worker.join();
        } else {
          worker.detach();  // it holds its own references to the call and the library
        }
        fail(
            "plugin reward '{}' ({}) did not finish a batch of {} within {} s (raise --reward-timeout if it "
            "is "
            "just slow); {}",
            name_, path_, batch.size(), timeout_seconds_,
            stopped ? "its call was cancelled"
                    : "its thread could not be cancelled (it never reaches a cancellation point) and runs on "
                      "until the process exits");
      }
    } else {
      call->finished_signal.wait(lock, [&] { return call->ended; });
    }
  }
  worker.join();

  if (!call->exception.empty()) fail("plugin reward '{}' ({}) threw {}", name_, path_, call->exception);
  if (call->status != 0) {
    fail("plugin reward '{}' ({}) failed (status {}): {}", name_, path_, call->status,
         call->error[0] ? c_text(call->error.data(), call->error.size()) : "no message");
  }
  std::vector<RewardResult> results;
  results.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const grpo_reward_output& output = call->outputs[i];
    RewardResult result;
    result.reason = c_text(output.reason, GRPO_REWARD_REASON_CAPACITY);
    if (output.applicable) {
      if (!std::isfinite(output.score)) {
        fail("plugin reward '{}' ({}) returned a non-finite score ({}) for completion {} of the batch", name_,
             path_, output.score, i);
      }
      result.score = output.score;
    }
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace grpo
