/* faulty_reward_plugin.c: plugins that misbehave on purpose, for tests/rewards (not an example to copy).
 *   probe        reports what it received: score = number of token ids, reason = "finish|bytes|row json"
 *   fails        returns an error with a message
 *   hangs        never returns
 *   nan          returns NaN as a score
 *   bad_config   create() refuses every config
 * Built twice: as faulty_reward_plugin, and with FAULTY_PLUGIN_ABI_VERSION=0 as old_abi_reward_plugin. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rewards/grpo_reward_plugin.h"

#ifndef FAULTY_PLUGIN_ABI_VERSION
#define FAULTY_PLUGIN_ABI_VERSION GRPO_REWARD_PLUGIN_ABI_VERSION
#endif

static int probe_score(void* state, const grpo_reward_input* inputs, size_t count,
                       grpo_reward_output* outputs, char* error, size_t error_capacity) {
  (void)state;
  (void)error;
  (void)error_capacity;
  for (size_t i = 0; i < count; ++i) {
    long long id_sum = 0;
    for (size_t k = 0; k < inputs[i].completion_ids_count; ++k) id_sum += inputs[i].completion_ids[k];
    outputs[i].applicable = inputs[i].completion_ids_count > 0;
    outputs[i].score = (double)id_sum;
    snprintf(outputs[i].reason, GRPO_REWARD_REASON_CAPACITY, "%s|%zu|%zu|%.*s", inputs[i].finish_reason,
             inputs[i].prompt_size, inputs[i].completion_size, (int)inputs[i].row_json_size,
             inputs[i].row_json);
  }
  return 0;
}

static int fails_score(void* state, const grpo_reward_input* inputs, size_t count,
                       grpo_reward_output* outputs, char* error, size_t error_capacity) {
  (void)state;
  (void)inputs;
  (void)outputs;
  snprintf(error, error_capacity, "cannot score %zu completions: the verifier is offline", count);
  return 7;
}

static int hangs_score(void* state, const grpo_reward_input* inputs, size_t count,
                       grpo_reward_output* outputs, char* error, size_t error_capacity) {
  (void)state;
  (void)inputs;
  (void)count;
  (void)outputs;
  (void)error;
  (void)error_capacity;
  for (;;) sleep(1);
  return 0;
}

static int nan_score(void* state, const grpo_reward_input* inputs, size_t count, grpo_reward_output* outputs,
                     char* error, size_t error_capacity) {
  (void)state;
  (void)inputs;
  (void)error;
  (void)error_capacity;
  for (size_t i = 0; i < count; ++i) {
    outputs[i].applicable = 1;
    outputs[i].score = i == 1 ? NAN : 1.0;
    memset(outputs[i].reason, 'x', GRPO_REWARD_REASON_CAPACITY); /* no terminating NUL: the host must cope */
  }
  return 0;
}

static void* bad_config_create(const char* config, char* error, size_t error_capacity) {
  snprintf(error, error_capacity, "unknown setting \"%s\"", config);
  return NULL;
}

static const grpo_reward_plugin kPlugins[] = {
    {"probe", "reports what it received", NULL, NULL, probe_score},
    {"fails", "always fails", NULL, NULL, fails_score},
    {"hangs", "never returns", NULL, NULL, hangs_score},
    {"nan", "returns NaN for the second completion", NULL, NULL, nan_score},
    {"bad_config", "refuses every config", bad_config_create, NULL, probe_score},
};

GRPO_REWARD_PLUGIN_EXPORT uint32_t grpo_reward_plugin_abi_version(void) {
  return FAULTY_PLUGIN_ABI_VERSION;
}

GRPO_REWARD_PLUGIN_EXPORT const grpo_reward_plugin* grpo_reward_plugins(size_t* count) {
  *count = sizeof(kPlugins) / sizeof(kPlugins[0]);
  return kPlugins;
}
