#!/usr/bin/env python3
"""One GRPO policy update in plain PyTorch, for bench_train's comparison: the same sizes, the same loss at mu = 1
(ratio exp(logp - logp.detach()), token-level "dapo" aggregation), micro-batches, gradient clipping and AdamW.

  train_step.py MODEL_DIR --sequences 64 --length 192 --prompt-length 64 --threads 2 --repeats 2
Prints {"tokens_per_second": ..., "seconds": ..., "peak_rss_kib": ...} as JSON (the best of --repeats timed updates
after a warm-up; peak_rss_kib is the whole process's peak resident set, ru_maxrss, KiB on Linux).
Uses the weights and layers of model.py (float32 here)."""
import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Reference  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model_dir")
    parser.add_argument("--sequences", type=int, default=64)
    parser.add_argument("--length", type=int, default=192)
    parser.add_argument("--prompt-length", type=int, default=64)
    parser.add_argument("--micro-batch-tokens", type=int, default=8192)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    model = Reference(args.model_dir, torch.float32)
    parameters = list(model.w.values())
    for p in parameters:
        p.requires_grad_(True)
    optimizer = torch.optim.AdamW(parameters, lr=1e-6, weight_decay=0.0)
    vocab = model.w["model.embed_tokens.weight"].shape[0]
    tokens = torch.randint(10, vocab, (args.sequences, args.length))
    advantages = torch.randn(args.sequences)
    rows_per_micro = max(1, args.micro_batch_tokens // (args.length - 1))
    completion_tokens = args.sequences * (args.length - args.prompt_length)
    forward = Reference.logits.__wrapped__  # the same forward pass, with autograd

    def update():
        optimizer.zero_grad()
        for first in range(0, args.sequences, rows_per_micro):
            rows = tokens[first:first + rows_per_micro]
            logits = forward(model, rows[:, :-1])  # [b, T-1, V]
            logp = torch.log_softmax(logits, dim=-1).gather(-1, rows[:, 1:, None]).squeeze(-1)
            mask = torch.zeros_like(logp)
            mask[:, args.prompt_length - 1:] = 1.0
            ratio = torch.exp(logp - logp.detach())
            a = advantages[first:first + rows_per_micro, None]
            loss = -(torch.min(ratio * a, ratio.clamp(0.8, 1.2) * a) * mask).sum() / completion_tokens
            loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()

    update()
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        update()
        best = min(best, time.perf_counter() - start)
    trained = args.sequences * (args.length - 1)
    peak_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"tokens_per_second": trained / best, "seconds": best, "peak_rss_kib": peak_rss_kib}))


if __name__ == "__main__":
    main()
