/* example_reward_plugin.c: two reward functions in plain C behind grpo's plugin interface.
 *   ascii_ratio  share of ASCII letters among the completion's letters (a language-consistency reward, as
 *                DeepSeek-R1 used to keep the reasoning in one language); not applicable without letters.
 *   brevity      min(1, target / tokens): shorter completions score higher; config "target=N" (default 256).
 * Build: see CMakeLists.txt here. Use: --reward plugin:path/to/libexample_reward_plugin.so:brevity:target=128
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rewards/grpo_reward_plugin.h"

static int ascii_ratio_score(void* state, const grpo_reward_input* inputs, size_t count,
                             grpo_reward_output* outputs, char* error, size_t error_capacity) {
  (void)state;
  (void)error;
  (void)error_capacity;
  for (size_t i = 0; i < count; ++i) {
    const unsigned char* text = (const unsigned char*)inputs[i].completion;
    size_t ascii_letters = 0;
    size_t other_letters = 0; /* counted as UTF-8 lead bytes: any non-ASCII character */
    for (size_t k = 0; k < inputs[i].completion_size; ++k) {
      unsigned char c = text[k];
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        ++ascii_letters;
      } else if (c >= 0xC0) {
        ++other_letters;
      }
    }
    if (ascii_letters + other_letters == 0) {
      outputs[i].applicable = 0;
      snprintf(outputs[i].reason, GRPO_REWARD_REASON_CAPACITY, "no letters");
      continue;
    }
    outputs[i].applicable = 1;
    outputs[i].score = (double)ascii_letters / (double)(ascii_letters + other_letters);
    snprintf(outputs[i].reason, GRPO_REWARD_REASON_CAPACITY, "%zu ASCII letters, %zu other characters",
             ascii_letters, other_letters);
  }
  return 0;
}

typedef struct brevity_state {
  long target_tokens;
} brevity_state;

static void* brevity_create(const char* config, char* error, size_t error_capacity) {
  long target = 256;
  if (config && config[0] != '\0') {
    char* end = NULL;
    if (strncmp(config, "target=", 7) != 0 || (target = strtol(config + 7, &end, 10)) <= 0 || *end != '\0') {
      snprintf(error, error_capacity, "brevity: config must be target=N with N > 0, got \"%s\"", config);
      return NULL;
    }
  }
  brevity_state* state = (brevity_state*)malloc(sizeof(brevity_state));
  if (!state) {
    snprintf(error, error_capacity, "brevity: out of memory");
    return NULL;
  }
  state->target_tokens = target;
  return state;
}

static void brevity_destroy(void* state) {
  free(state);
}

static int brevity_score(void* state, const grpo_reward_input* inputs, size_t count,
                         grpo_reward_output* outputs, char* error, size_t error_capacity) {
  const brevity_state* brevity = (const brevity_state*)state;
  for (size_t i = 0; i < count; ++i) {
    size_t tokens = inputs[i].completion_ids_count;
    if (tokens == 0 && inputs[i].completion_size > 0) {
      snprintf(error, error_capacity, "brevity needs token ids (completion %zu has none)", i);
      return 1;
    }
    double score =
        tokens <= (size_t)brevity->target_tokens ? 1.0 : (double)brevity->target_tokens / (double)tokens;
    outputs[i].applicable = 1;
    outputs[i].score = score;
    snprintf(outputs[i].reason, GRPO_REWARD_REASON_CAPACITY, "%zu tokens, target %ld", tokens,
             brevity->target_tokens);
  }
  return 0;
}

static const grpo_reward_plugin kPlugins[] = {
    {"ascii_ratio", "share of ASCII letters among the completion's letters", NULL, NULL, ascii_ratio_score},
    {"brevity", "min(1, target / tokens); config target=N", brevity_create, brevity_destroy, brevity_score},
};

GRPO_REWARD_PLUGIN_EXPORT uint32_t grpo_reward_plugin_abi_version(void) {
  return GRPO_REWARD_PLUGIN_ABI_VERSION;
}

GRPO_REWARD_PLUGIN_EXPORT const grpo_reward_plugin* grpo_reward_plugins(size_t* count) {
  *count = sizeof(kPlugins) / sizeof(kPlugins[0]);
  return kPlugins;
}
