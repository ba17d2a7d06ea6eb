/* grpo_reward_plugin.h: the stable C interface of grpo reward plugins (shared libraries loaded with dlopen).
 *
 * A plugin exports two functions:
 *   uint32_t grpo_reward_plugin_abi_version(void);                   returns GRPO_REWARD_PLUGIN_ABI_VERSION
 *   const grpo_reward_plugin* grpo_reward_plugins(size_t* count);    its rewards (static storage), and how
 * many and is used as  --reward plugin:path/to/libmine.so:NAME[:CONFIG]  (NAME may be left out when the
 * plugin has exactly one reward; CONFIG is passed to create() as it is). See docs/REWARDS.md and
 * examples/reward_plugin/.
 *
 * Rules: the host calls create() once, score() any number of times from one thread at a time, and destroy()
 * once. Strings are UTF-8 with an explicit size and may contain NUL bytes (completions are untrusted model
 * output); finish_reason is NUL-terminated. Nothing the host passes outlives the call. Return 0 from score()
 * on success; otherwise write a message into `error` (NUL-terminated, at most error_capacity bytes) and
 * return non-zero: the host stops with that message naming the reward. A plugin runs inside the trainer's
 * process: a crash there ends the run. Run untrusted or fragile code as a process reward (cmd:...) instead.
 */
#ifndef GRPO_REWARD_PLUGIN_H
#define GRPO_REWARD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GRPO_REWARD_PLUGIN_ABI_VERSION 1u
#define GRPO_REWARD_REASON_CAPACITY 256

typedef struct grpo_reward_input {
  const char* prompt;
  size_t prompt_size;
  const char* completion;
  size_t completion_size;
  const int64_t* completion_ids;
  size_t completion_ids_count;
  const char* finish_reason; /* "eos", "stop" or "length" (NUL-terminated) */
  const char* row_json;      /* the whole dataset row as one JSON object */
  size_t row_json_size;
} grpo_reward_input;

typedef struct grpo_reward_output {
  double score;   /* must be finite when applicable */
  int applicable; /* 1: `score` holds the score; 0: not applicable to this completion */
  char reason[GRPO_REWARD_REASON_CAPACITY]; /* optional short note, NUL-terminated; "" when none */
} grpo_reward_output;

typedef struct grpo_reward_plugin {
  const char* name;        /* what --reward plugin:lib.so:NAME selects */
  const char* description; /* one line, may be NULL */
  /* Makes the reward's state from the spec's CONFIG ("" when none). May be NULL (state is then NULL).
   * Returns NULL and writes `error` on failure. */
  void* (*create)(const char* config, char* error, size_t error_capacity);
  /* Frees the state. May be NULL. */
  void (*destroy)(void* state);
  /* Scores `count` inputs into `outputs` (zeroed by the host: applicable 0, reason ""). */
  int (*score)(void* state, const grpo_reward_input* inputs, size_t count, grpo_reward_output* outputs,
               char* error, size_t error_capacity);
} grpo_reward_plugin;

/* Mark the two exported functions with this when building with -fvisibility=hidden. */
#if defined(__GNUC__)
#define GRPO_REWARD_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define GRPO_REWARD_PLUGIN_EXPORT
#endif

typedef uint32_t (*grpo_reward_plugin_abi_version_fn)(void);
typedef const grpo_reward_plugin* (*grpo_reward_plugins_fn)(size_t* count);

#ifdef __cplusplus
}
#endif

#endif /* GRPO_REWARD_PLUGIN_H */
