#!/usr/bin/env python3
"""Plain-PyTorch batched sampling with a KV cache: the Python baseline of benchmarks/bench_rollout.

It reads a Hugging Face model directory (config.json + model.safetensors) of a Llama / Qwen2 decoder with the
weight loading and layers of model.py (this folder), and generates as a straightforward Python implementation
would (as Hugging Face's generate() with num_return_sequences does): B random prompts of L tokens are repeated
G times, the B*G rows are prefilled together, then one token per row per step is decoded through a preallocated
KV cache, sampled with torch.multinomial at temperature 1. No end-of-sequence stop: every row runs N new tokens.

Usage (Debian's Python has torch: /usr/bin/python3):
  generate.py MODEL_DIR --prompts 8 --prompt-length 64 --group 8 --new-tokens 256 --threads 2
Prints one JSON line: {"tokens_per_second": ..., "seconds": ..., "generated_tokens": ..., "prefill_seconds": ...,
"decode_seconds": ..., "sampling_seconds": ..., "threads": ..., "peak_rss_kib": ...}. Timing starts after a short
warm-up run; peak_rss_kib is the whole process's peak resident set (ru_maxrss, KiB on Linux).
"""

import argparse
import json
import math
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Reference  # noqa: E402  (weight loading, linear, rms_norm, rotate, mlp)


class CachedGenerator:
    """Reference's layers with a key/value cache: keys/values per layer [rows, kv_heads, capacity, head_dim]."""

    def __init__(self, model, rows, capacity):
        self.m = model
        shape = (rows, model.kv_heads, capacity, model.head_dim)
        self.keys = [torch.zeros(shape, dtype=model.dtype) for _ in range(model.layers)]
        self.values = [torch.zeros(shape, dtype=model.dtype) for _ in range(model.layers)]
        self.length = 0

    def attention(self, x, i, positions):
        m, p = self.m, f"model.layers.{i}.self_attn."
        batch, steps, _ = x.shape
        q = m.linear(x, p + "q_proj", m.qkv_bias).view(batch, steps, m.heads, m.head_dim).transpose(1, 2)
        k = m.linear(x, p + "k_proj", m.qkv_bias).view(batch, steps, m.kv_heads, m.head_dim).transpose(1, 2)
        v = m.linear(x, p + "v_proj", m.qkv_bias).view(batch, steps, m.kv_heads, m.head_dim).transpose(1, 2)
        q, k = m.rotate(q, positions), m.rotate(k, positions)  # [B, heads, T, d], [B, kv_heads, T, d]
        past = self.length
        self.keys[i][:, :, past:past + steps] = k
        self.values[i][:, :, past:past + steps] = v
        group = m.heads // m.kv_heads
        k = self.keys[i][:, :, :past + steps].repeat_interleave(group, dim=1)  # [B, heads, S, d]
        v = self.values[i][:, :, :past + steps].repeat_interleave(group, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(m.head_dim)  # [B, heads, T, S]
        if steps > 1:  # causal mask within the new tokens
            future = torch.ones(steps, past + steps, dtype=torch.bool).triu(diagonal=past + 1)
            scores = scores.masked_fill(future, float("-inf"))
        out = torch.softmax(scores, dim=-1) @ v  # [B, heads, T, d]
        out = out.transpose(1, 2).reshape(batch, steps, m.heads * m.head_dim)
        return m.linear(out, p + "o_proj", m.o_bias)

    def logits(self, tokens):
        """tokens [B, T] (the next T tokens of every row) -> logits of the last position [B, V]."""
        m = self.m
        steps = tokens.shape[1]
        positions = torch.arange(self.length, self.length + steps).expand(tokens.shape[0], -1)
        x = m.w["model.embed_tokens.weight"][tokens]
        for i in range(m.layers):
            x = x + self.attention(m.rms_norm(x, f"model.layers.{i}.input_layernorm.weight"), i, positions)
            x = x + m.mlp(m.rms_norm(x, f"model.layers.{i}.post_attention_layernorm.weight"), i)
        self.length += steps
        x = m.rms_norm(x[:, -1], "model.norm.weight")
        head = m.w["model.embed_tokens.weight"] if m.tied else m.w["lm_head.weight"]
        return x @ head.T


@torch.inference_mode()
def generate(model, prompts, group, new_tokens, generator):
    """prompts [B, L] -> sampled tokens [B*G, N] and phase timings."""
    rows = prompts.repeat_interleave(group, dim=0)  # [B*G, L]
    cache = CachedGenerator(model, rows.shape[0], rows.shape[1] + new_tokens)
    timings = {"prefill": 0.0, "decode": 0.0, "sampling": 0.0}
    start = time.perf_counter()
    logits = cache.logits(rows)
    timings["prefill"] += time.perf_counter() - start
    out = []
    for step in range(new_tokens):
        start = time.perf_counter()
        probs = torch.softmax(logits.float(), dim=-1)
        token = torch.multinomial(probs, 1, generator=generator)  # [B*G, 1]
        out.append(token)
        timings["sampling"] += time.perf_counter() - start
        if step + 1 < new_tokens:
            start = time.perf_counter()
            logits = cache.logits(token)
            timings["decode"] += time.perf_counter() - start
    return torch.cat(out, dim=1), timings


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--prompts", type=int, default=8, help="B: distinct prompts")
    parser.add_argument("--prompt-length", type=int, default=64, help="L: tokens per prompt")
    parser.add_argument("--group", type=int, default=8, help="G: samples per prompt")
    parser.add_argument("--new-tokens", type=int, default=256, help="N: tokens generated per sample")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = parser.parse_args()
    for name in ("prompts", "prompt_length", "group", "new_tokens", "threads"):
        if getattr(args, name) < 1:
            raise SystemExit(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")

    torch.set_num_threads(args.threads)
    model = Reference(args.model_dir, getattr(torch, args.dtype))
    vocab = model.w["model.embed_tokens.weight"].shape[0]
    generator = torch.Generator().manual_seed(args.seed)
    prompts = torch.randint(0, vocab, (args.prompts, args.prompt_length), generator=generator)

    generate(model, prompts, args.group, min(4, args.new_tokens), generator)  # warm-up
    start = time.perf_counter()
    tokens, timings = generate(model, prompts, args.group, args.new_tokens, generator)
    seconds = time.perf_counter() - start
    generated = tokens.numel()
    print(json.dumps({
        "tokens_per_second": generated / seconds,
        "seconds": seconds,
        "generated_tokens": generated,
        "prefill_seconds": timings["prefill"],
        "decode_seconds": timings["decode"],
        "sampling_seconds": timings["sampling"],
        "threads": torch.get_num_threads(),
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
