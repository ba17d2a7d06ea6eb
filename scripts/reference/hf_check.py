#!/usr/bin/env python3
"""grpo's model against Hugging Face transformers' own implementation, through grpo's real command line.

For each family (Qwen2.5, Qwen3, Llama 3 rope scaling, Qwen2-MoE) a random model is made by `grpo init` with
the real Qwen3 tokenizer, its weights scaled up so that the logits are far from uniform (a transposed or
misnamed tensor then shows), and:
  1. `grpo sample` writes completions with their log-probs (float32, --device DEVICE);
  2. transformers loads the same directory and recomputes those log-probs teacher-forced: max difference;
  3. transformers saves the model again (save_pretrained) and `grpo sample` on that copy must give the same
     tokens and log-probs as step 1 (a checkpoint written by transformers read by grpo).
Optionally (--bench) a rollout benchmark in bfloat16 on Qwen2.5-0.5B's shape: `grpo sample` against
transformers' generate with the same prompts, lengths and batch, and the GPU's measured bfloat16 matmul speed
for model FLOPs utilisation. Writes one JSON object to --output.
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time

import torch


def run(command, log):
    log.write("$ " + " ".join(command) + "\n")
    log.flush()
    started = time.time()
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.write(result.stdout + f"(exit {result.returncode}, {time.time() - started:.1f} s)\n")
    log.flush()
    if result.returncode != 0:
        last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        raise RuntimeError(f"{' '.join(command[:4])} ... failed with exit {result.returncode}: {last}")
    return result.stdout


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def scale_weights(model_dir, factor):
    """Every matrix times `factor` (norm weights and biases kept): logits far from uniform."""
    from safetensors.torch import load_file, save_file
    path = os.path.join(model_dir, "model.safetensors")
    tensors = load_file(path)
    for name, tensor in tensors.items():
        if tensor.dim() == 2:
            tensors[name] = (tensor.float() * factor).to(tensor.dtype).contiguous()
    save_file(tensors, path, metadata={"format": "pt"})


def sample(grpo, model_dir, template, prompts, out, device, dtype, log, n=4, new_tokens=24, seed=3):
    command = [grpo, "--seed", str(seed), "--device", device, "sample", "--model", model_dir, "--template",
               template, "-n", str(n), "--max-new-tokens", str(new_tokens), "--temperature", "1", "--dtype",
               dtype, "--out", out]
    for prompt in prompts:
        command += ["--prompt", prompt]
    text = run(command, log)
    return read_jsonl(out), text


def teacher_forced_logprobs(model, tokenizer, rows, device):
    """transformers' log-probs of each row's completion tokens after its prompt."""
    differences = []
    for row in rows:
        prompt_ids = tokenizer.encode(row["prompt"]).ids
        ids = torch.tensor([prompt_ids + row["token_ids"]], device=device)
        with torch.no_grad():
            logits = model(ids).logits.float()[0]  # [T, V]
        logprobs = torch.log_softmax(logits, dim=-1)
        start = len(prompt_ids) - 1
        targets = torch.tensor(row["token_ids"], device=device)
        theirs = logprobs[start:start + len(row["token_ids"])].gather(1, targets.unsqueeze(1)).squeeze(1)
        ours = torch.tensor(row["logprobs"], device=device)
        differences.append((theirs - ours).abs().max().item())
    return max(differences)


def check_family(args, preset, work, log):
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM
    model_dir = os.path.join(work, preset)
    shutil.rmtree(model_dir, ignore_errors=True)
    run([args.grpo, "init", model_dir, "--preset", preset, "--tokenizer", args.tokenizer], log)
    scale_weights(model_dir, args.scale)
    template = os.path.join(work, "raw_template.txt")
    with open(template, "w") as f:
        f.write("{question}")
    prompts = ["The capital of France is", "def fibonacci(n):", "2 + 3 * 4 ="]
    rows, _ = sample(args.grpo, model_dir, template, prompts, os.path.join(work, preset + ".jsonl"),
                     args.device, "float32", log)
    tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).to(args.device).eval()
    logprob_difference = teacher_forced_logprobs(model, tokenizer, rows, args.device)
    scale = max(abs(x) for row in rows for x in row["logprobs"])

    # transformers writes the checkpoint, grpo reads it back.
    copy_dir = model_dir + "-from-transformers"
    shutil.rmtree(copy_dir, ignore_errors=True)
    model.save_pretrained(copy_dir, safe_serialization=True)
    for name in os.listdir(model_dir):
        if name.startswith("tokenizer") or name in ("generation_config.json", "special_tokens_map.json"):
            shutil.copy(os.path.join(model_dir, name), copy_dir)
    again, _ = sample(args.grpo, copy_dir, template, prompts, os.path.join(work, preset + "-again.jsonl"),
                      args.device, "float32", log)
    same_tokens = [a["token_ids"] for a in again] == [r["token_ids"] for r in rows]
    round_trip = max(abs(a - b) for x, y in zip(again, rows) for a, b in zip(x["logprobs"], y["logprobs"]))
    return {
        "preset": preset,
        "architecture": model.config.architectures[0] if model.config.architectures else model.config.model_type,
        "completions": len(rows),
        "max_logprob_difference_vs_transformers": logprob_difference,
        "largest_logprob": scale,
        "round_trip_same_tokens": same_tokens,
        "round_trip_max_logprob_difference": round_trip,
        "passed": logprob_difference < args.tolerance and same_tokens and round_trip < 1e-5,
    }


def matmul_tflops(device):
    size = 8192
    a = torch.randn(size, size, device=device, dtype=torch.bfloat16)
    b = torch.randn(size, size, device=device, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    started = time.time()
    repeats = 20
    for _ in range(repeats):
        a @ b
    torch.cuda.synchronize()
    return 2 * size ** 3 * repeats / (time.time() - started) / 1e12


def rollout_benchmark(args, work, log):
    """grpo sample against transformers' generate, bfloat16, Qwen2.5-0.5B's shape, same batch and lengths."""
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM
    model_dir = os.path.join(work, "qwen2.5-0.5b")
    shutil.rmtree(model_dir, ignore_errors=True)
    run([args.grpo, "init", model_dir, "--preset", "qwen2.5-0.5b", "--tokenizer", args.tokenizer], log)
    template = os.path.join(work, "raw_template.txt")
    prompts = [f"Question {i}: what is {i} + {2 * i}? Think step by step." for i in range(args.bench_prompts)]
    _, text = sample(args.grpo, model_dir, template, prompts, os.path.join(work, "bench.jsonl"), args.device,
                     "bfloat16", log, n=args.bench_group, new_tokens=args.bench_new_tokens, seed=5)
    # "N completions, T tokens in S s (R tokens/s); prefill ..."
    match = re.search(r"(\d+) tokens in ([0-9.]+) s \(([0-9.]+) tokens/s\)", text)
    grpo_tokens_per_second = float(match.group(3)) if match else None

    tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.bfloat16).to(args.device).eval()
    encoded = [tokenizer.encode(p).ids for p in prompts]
    width = max(len(e) for e in encoded)
    pad = model.config.eos_token_id if isinstance(model.config.eos_token_id, int) else 0
    ids = torch.tensor([[pad] * (width - len(e)) + e for e in encoded for _ in range(args.bench_group)],
                       device=args.device)
    mask = torch.tensor([[0] * (width - len(e)) + [1] * len(e) for e in encoded for _ in range(args.bench_group)],
                        device=args.device)
    generate = dict(attention_mask=mask, do_sample=True, temperature=1.0, top_k=0, top_p=1.0,
                    max_new_tokens=args.bench_new_tokens, min_new_tokens=args.bench_new_tokens, pad_token_id=pad)
    with torch.no_grad():
        model.generate(ids[:, :], **{**generate, "max_new_tokens": 8, "min_new_tokens": 8})  # warm-up
        torch.cuda.synchronize()
        started = time.time()
        output = model.generate(ids, **generate)
        torch.cuda.synchronize()
        seconds = time.time() - started
    hf_tokens = (output.shape[1] - width) * output.shape[0]
    hf_tokens_per_second = hf_tokens / seconds
    parameters = sum(p.numel() for p in model.parameters())
    peak = matmul_tflops(args.device)
    result = {
        "model": "qwen2.5-0.5b shape, random weights, bfloat16",
        "parameters": parameters,
        "rows": len(encoded) * args.bench_group,
        "new_tokens": args.bench_new_tokens,
        "grpo_tokens_per_second": grpo_tokens_per_second,
        "transformers_tokens_per_second": hf_tokens_per_second,
        "bf16_matmul_tflops": peak,
    }
    if grpo_tokens_per_second:
        result["grpo_vs_transformers"] = grpo_tokens_per_second / hf_tokens_per_second
        # Decoding: ~2 FLOPs per parameter per token (attention over the cache ignored at these lengths).
        result["grpo_rollout_mfu"] = 2 * parameters * grpo_tokens_per_second / (peak * 1e12)
    result["transformers_rollout_mfu"] = 2 * parameters * hf_tokens_per_second / (peak * 1e12)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grpo", required=True, help="the grpo executable")
    parser.add_argument("--tokenizer", required=True, help="a tokenizer directory (Qwen3's tokenizer.json)")
    parser.add_argument("--work", required=True, help="a scratch directory")
    parser.add_argument("--output", required=True, help="JSON results")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--presets", default="qwen2.5-tiny,qwen3-tiny,llama3-tiny,moe-tiny")
    parser.add_argument("--scale", type=float, default=10.0, help="weights x this: logits far from uniform")
    parser.add_argument("--tolerance", type=float, default=1e-3, help="log-prob difference allowed (float32)")
    parser.add_argument("--bench", action="store_true")
    parser.add_argument("--bench-prompts", type=int, default=8)
    parser.add_argument("--bench-group", type=int, default=8)
    parser.add_argument("--bench-new-tokens", type=int, default=256)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if args.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False  # float32 comparisons in float32, as grpo computes
    results = {"torch": torch.__version__, "device": args.device, "families": [], "errors": []}
    try:
        import transformers
        results["transformers"] = transformers.__version__
    except ImportError as error:
        results["errors"].append(f"transformers: {error}")
    with open(os.path.join(args.work, "hf_check.log"), "w") as log:
        for preset in args.presets.split(","):
            try:
                results["families"].append(check_family(args, preset, args.work, log))
            except Exception as error:  # one family's failure is recorded, the others still run
                results["errors"].append(f"{preset}: {type(error).__name__}: {error}")
        if args.bench:
            try:
                results["rollout_benchmark"] = rollout_benchmark(args, args.work, log)
            except Exception as error:
                results["errors"].append(f"rollout benchmark: {type(error).__name__}: {error}")
    with open(args.output, "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))
    passed = not results["errors"] and all(f["passed"] for f in results["families"])
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
