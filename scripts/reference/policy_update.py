#!/usr/bin/env python3
"""The GRPO policy update in plain PyTorch, written from its description (README "Exact definitions",
trainer/grpo_loss.h, trainer/policy_update.h), as the independent reference of trainer/policy_update.cpp.

Given a model directory, sequences (prompt, completion, advantage, old log-probs, loss mask) and a list of cases
(loss type, importance level, mu, minibatches, beta), it runs for each case `updates` successive updates from the
same starting weights and records, for every optimiser step, the minibatch loss, the gradient of every parameter
(before clipping) and its norm, and after the last update every weight. Each update is:

  ref log-probs    when beta > 0: from the reference model (the starting weights; after each update the reference
                   is reset to the policy when ref_model_sync_steps divides the number of updates done)
  for pass in 0 .. mu-1:
    order          0..n-1, shuffled per pass when there are several minibatches (Fisher-Yates drawing from
                   splitmix64 seeded by (seed, step, pass), see minibatch_order)
    minibatches    order[n*m/M : n*(m+1)/M] for m in 0..M-1
    each minibatch one loss over all its sequences (no micro-batches: splitting must not change the objective),
                   backward, clip the gradient norm, AdamW (weight decay on matrices only)

Old log-probs are the given ones when mu > 1 or M > 1, else the current ones detached (ratio 1). Log-probs are
log_softmax(logits / temperature)[token]; computation is in float64, one unpadded sequence at a time.

  policy_update.py INPUT.json OUTPUT.safetensors
INPUT.json: {"model_dir", "settings": {...}, "sequences": [...], "cases": [...]} as tests/trainer/
policy_update_reference_test.cpp writes it. OUTPUT holds "<case>/loss" [S], "<case>/grad_norm" [S],
"<case>/step<s>/<parameter>" (gradients) and "<case>/final/<parameter>" (weights), float64.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Reference, write_safetensors  # noqa: E402

MASK64 = (1 << 64) - 1


def splitmix64(state):
    """One step of splitmix64: returns (new state, 64-bit output)."""
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def minibatch_order(count, seed, step, pass_index):
    """The sequence order of one pass: Fisher-Yates from the end, j = next % (i + 1)."""
    state = (seed * 0x9E3779B97F4A7C15 + step * 0xD1B54A32D192ED03 + pass_index) & MASK64
    order = list(range(count))
    for i in range(count - 1, 0, -1):
        state, value = splitmix64(state)
        j = value % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def completion_logprobs(model, weights, sequences, temperature):
    """Per sequence, [C] log-probs of its completion tokens given everything before them. The rows run as one
    right-padded batch: with causal attention, padding after a sequence cannot change its positions."""
    width = max(len(s["prompt"]) + len(s["completion"]) for s in sequences)
    tokens = torch.zeros(len(sequences), width, dtype=torch.int64)  # [B, n]
    for i, s in enumerate(sequences):
        row = s["prompt"] + s["completion"]
        tokens[i, :len(row)] = torch.tensor(row)
    model.w = weights
    logits = Reference.logits.__wrapped__(model, tokens[:, :-1])  # [B, n-1, V]
    logp = torch.log_softmax(logits / temperature, dim=-1).gather(-1, tokens[:, 1:, None]).squeeze(-1)
    return [logp[i, len(s["prompt"]) - 1:len(s["prompt"]) - 1 + len(s["completion"])]
            for i, s in enumerate(sequences)]


def minibatch_loss(model, weights, sequences, rows, case, settings, reuse_old):
    """The loss of one minibatch, aggregated over all its sequences as loss_type says."""
    eps_low, eps_high = settings["epsilon"], settings["epsilon_high"]
    beta = case["beta"]
    sums, counts = [], []
    all_logp = completion_logprobs(model, weights, [sequences[row] for row in rows], settings["temperature"])
    for row, logp in zip(rows, all_logp):  # logp [C]
        s = sequences[row]
        old = torch.tensor(s["old_logprobs"], dtype=torch.float64) if reuse_old else logp.detach()
        log_ratio = logp - old
        mask = 0.0 if s["loss_masked"] else 1.0
        if case["importance_level"] == "sequence":
            log_ratio = (log_ratio * mask).sum() / max(1.0, mask * len(logp)) * torch.ones_like(logp)
        ratio = torch.exp(log_ratio)
        a = s["advantage"]
        per_token = -torch.min(ratio * a, torch.clamp(ratio, 1 - eps_low, 1 + eps_high) * a)
        if beta > 0:
            delta = s["ref_logprobs"] - logp
            per_token = per_token + beta * (torch.exp(delta) - delta - 1)
        sums.append((per_token * mask).sum())
        counts.append(mask * len(logp))
    loss_type, n = case["loss_type"], len(rows)
    if loss_type == "grpo":
        return sum(total / max(1.0, c) for total, c in zip(sums, counts)) / n
    if loss_type in ("bnpo", "dapo"):
        return sum(sums) / max(1.0, sum(counts))
    if loss_type == "dr_grpo":
        return sum(sums) / (n * settings["max_completion_length"])
    raise SystemExit(f"unknown loss_type {loss_type}")


def clip_grad_norm(parameters, max_norm):
    """Scales the gradients so that their joint norm is at most max_norm (0 = no clipping); returns the norm."""
    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in parameters))
    if max_norm > 0:
        scale = max_norm / (norm + 1e-6)
        if scale < 1:
            for p in parameters:
                p.grad.mul_(scale)
    return norm


def run_case(model, start, sequences, case, settings, out):
    names = sorted(start)
    policy = {k: v.clone().requires_grad_(True) for k, v in start.items()}
    reference = {k: v.clone() for k, v in start.items()}
    decay = [policy[k] for k in names if not (k.endswith(".bias") or "norm" in k)]
    no_decay = [policy[k] for k in names if k.endswith(".bias") or "norm" in k]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": settings["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
        lr=settings["learning_rate"], betas=tuple(settings["betas"]), eps=settings["adam_eps"])
    mu, minibatches = case["num_iterations"], case["num_minibatches"]
    reuse_old = mu > 1 or minibatches > 1
    losses, norms, step_index = [], [], 0
    n = len(sequences)
    for update in range(settings["updates"]):
        if case["beta"] > 0:
            with torch.no_grad():
                for s, logp in zip(sequences, completion_logprobs(model, reference, sequences, settings["temperature"])):
                    s["ref_logprobs"] = logp
        for pass_index in range(mu):
            order = minibatch_order(n, settings["seed"], update, pass_index) if minibatches > 1 else list(range(n))
            for m in range(minibatches):
                rows = order[n * m // minibatches:n * (m + 1) // minibatches]
                optimizer.zero_grad()
                loss = minibatch_loss(model, policy, sequences, rows, case, settings, reuse_old)
                loss.backward()
                for k in names:
                    out[f"{case['name']}/step{step_index}/{k}"] = policy[k].grad.detach().clone()
                norms.append(clip_grad_norm([policy[k] for k in names], settings["max_grad_norm"]).item())
                optimizer.step()
                losses.append(loss.item())
                step_index += 1
        sync = settings["ref_model_sync_steps"]
        if case["beta"] > 0 and sync > 0 and (update + 1) % sync == 0:
            reference = {k: v.detach().clone() for k, v in policy.items()}
    out[f"{case['name']}/loss"] = torch.tensor(losses, dtype=torch.float64)
    out[f"{case['name']}/grad_norm"] = torch.tensor(norms, dtype=torch.float64)
    for k in names:
        out[f"{case['name']}/final/{k}"] = policy[k].detach().clone()


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    with open(sys.argv[1]) as handle:
        spec = json.load(handle)
    torch.set_num_threads(1)
    model = Reference(spec["model_dir"], torch.float64)
    start = dict(model.w)
    out = {}
    for case in spec["cases"]:
        sequences = [dict(s) for s in spec["sequences"]]
        run_case(model, start, sequences, case, spec["settings"], out)
    write_safetensors(sys.argv[2], out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
