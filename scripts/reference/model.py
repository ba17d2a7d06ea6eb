#!/usr/bin/env python3
"""An independent plain-PyTorch reference for grpo's policy model (as llm.c keeps train_gpt2.py).

It reads a Hugging Face model directory (config.json and model.safetensors, or shards listed in
model.safetensors.index.json) of a Llama, Qwen2 or Qwen3 decoder, or of the mixture-of-experts Qwen2-MoE, Qwen3-MoE
or Mixtral, and computes next-token logits for given token ids: token embedding; per layer RMSNorm, grouped-query
attention with rotary position embeddings (Hugging Face's half-split pairing, rope_theta, rope_scaling "linear" or
"llama3"; Qwen3 first RMS-normalises each head's queries and keys with q_norm / k_norm), residual, RMSNorm, SwiGLU
MLP (or, on the sparse layers of an MoE model, a mixture of SwiGLU experts, token by token: see moe()), residual;
final RMSNorm; LM head (or the embedding matrix when tie_word_embeddings). Written from the architecture's
description, not from the C++.

Safetensors files are parsed here with the standard library and torch (the `safetensors` package is not needed).
Computation is in float64 by default, so that the reference is the more exact side of any comparison.

Usage (Debian's Python has torch: /usr/bin/python3):
  model.py MODEL_DIR --tokens 1,5,9,4 [--tokens 2,7,7,3 ...] [--output logits.safetensors] [--dtype float64]
           [--first-position P]
Every --tokens row must have the same length; positions are P..P+T-1 (P = 0 by default). With --output, the logits [B, T, V] are
written as a safetensors file holding one tensor, "logits"; without it, a short summary is printed.
"""

import argparse
import json
import math
import os
import struct
import sys

import torch

SAFETENSORS_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}


# ----------------------------------------------------------------------------- safetensors by hand

def read_safetensors(path):
    """Returns {name: tensor} from one .safetensors file (u64 little-endian header size, JSON, raw data)."""
    with open(path, "rb") as handle:
        raw = handle.read()
    (header_size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_size].decode("utf-8"))
    data = raw[8 + header_size:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        dtype = SAFETENSORS_DTYPES[entry["dtype"]]
        chunk = bytearray(data[begin:end])
        flat = torch.frombuffer(chunk, dtype=dtype) if chunk else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors


def write_safetensors(path, tensors):
    """Writes {name: float tensor} as one .safetensors file (F64 or F32)."""
    names = {torch.float64: "F64", torch.float32: "F32"}
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        blob = tensor.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": names[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)))
        handle.write(text)
        for blob in blobs:
            handle.write(blob)


def read_weights(directory):
    index_path = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as handle:
            weight_map = json.load(handle)["weight_map"]
        weights = {}
        for shard in sorted(set(weight_map.values())):
            weights.update(read_safetensors(os.path.join(directory, shard)))
        return weights
    return read_safetensors(os.path.join(directory, "model.safetensors"))


# ----------------------------------------------------------------------------- the model

class Reference:
    def __init__(self, directory, dtype):
        with open(os.path.join(directory, "config.json")) as handle:
            config = json.load(handle)
        self.model_type = config["model_type"]
        if self.model_type not in ("llama", "qwen2", "qwen3", "qwen2_moe", "qwen3_moe", "mixtral"):
            raise SystemExit(f"model_type {self.model_type!r} is not llama, qwen2, qwen3, qwen2_moe, qwen3_moe "
                             "or mixtral")
        self.rope_scaling = config.get("rope_scaling") or {}
        self.rope_type = self.rope_scaling.get("rope_type", self.rope_scaling.get("type", "default"))
        if self.rope_type not in ("default", "linear", "llama3"):
            raise SystemExit(f"rope_scaling type {self.rope_type!r} is not part of this reference")
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config.get("num_key_value_heads") or self.heads
        self.hidden = config["hidden_size"]
        self.head_dim = config.get("head_dim") or self.hidden // self.heads
        self.eps = config.get("rms_norm_eps", 1e-6)
        self.theta = config.get("rope_theta", 10000.0)
        self.tied = config.get("tie_word_embeddings", False)
        # Qwen2 always has q/k/v biases (never o); Llama and Qwen3 have q/k/v/o biases when attention_bias is set.
        qwen2 = self.model_type in ("qwen2", "qwen2_moe")
        self.qkv_bias = qwen2 or config.get("attention_bias", False)
        self.o_bias = not qwen2 and config.get("attention_bias", False)
        self.qk_norm = self.model_type in ("qwen3", "qwen3_moe")
        self.read_experts(config)
        self.dtype = dtype

        weights = read_weights(directory)
        weights = {k: v for k, v in weights.items() if not k.endswith("rotary_emb.inv_freq")}
        if self.tied:
            weights.pop("lm_head.weight", None)
        expected = self.expected_names()
        missing = sorted(expected - set(weights))
        unexpected = sorted(set(weights) - expected)
        if missing or unexpected:
            raise SystemExit(f"weights do not match config.json: missing {missing}, unexpected {unexpected}")
        self.w = {name: tensor.to(dtype) for name, tensor in weights.items()}

    def read_experts(self, config):
        """The mixture-of-experts fields (Hugging Face's names; DeepSeek-V3's for its routing variants)."""
        self.moe = self.model_type in ("qwen2_moe", "qwen3_moe", "mixtral")
        if not self.moe:
            return
        mixtral = self.model_type == "mixtral"
        self.experts = config["num_local_experts"] if mixtral else config["num_experts"]
        self.top_k = config["num_experts_per_tok"]
        self.renormalise = True if mixtral else config.get("norm_topk_prob", False)
        self.sparse_step = 1 if mixtral else config.get("decoder_sparse_step", 1)
        self.dense_only = set(config.get("mlp_only_layers") or [])
        self.first_dense = config.get("first_k_dense_replace", 0)
        self.sigmoid = config.get("scoring_func", "softmax") == "sigmoid"
        self.balancing_bias = config.get("topk_method", "greedy") == "noaux_tc"
        self.scaling = config.get("routed_scaling_factor", 1.0)
        self.gated_shared = self.model_type == "qwen2_moe" and config.get("shared_expert_intermediate_size", 0) > 0
        self.plain_shared = (config.get("n_shared_experts") or 0) > 0
        self.block = "block_sparse_moe" if mixtral else "mlp"
        # Mixtral's experts call gate / up / down w1 / w3 / w2.
        self.projections = ("w1", "w3", "w2") if mixtral else ("gate_proj", "up_proj", "down_proj")

    def sparse(self, i):
        return (self.moe and i not in self.dense_only and (i + 1) % self.sparse_step == 0
                and i >= self.first_dense)

    def sparse_names(self, p):
        names = {p + "gate.weight"}
        if self.balancing_bias:
            names.add(p + "gate.e_score_correction_bias")
        for e in range(self.experts):
            names |= {p + f"experts.{e}.{proj}.weight" for proj in self.projections}
        if self.gated_shared:
            names |= {p + f"shared_expert.{proj}.weight" for proj in ("gate_proj", "up_proj", "down_proj")}
            names.add(p + "shared_expert_gate.weight")
        if self.plain_shared:
            names |= {p + f"shared_experts.{proj}.weight" for proj in ("gate_proj", "up_proj", "down_proj")}
        return names

    def expected_names(self):
        names = {"model.embed_tokens.weight", "model.norm.weight"}
        if not self.tied:
            names.add("lm_head.weight")
        for i in range(self.layers):
            p = f"model.layers.{i}."
            names |= {p + "input_layernorm.weight", p + "post_attention_layernorm.weight"}
            for proj in ("q", "k", "v", "o"):
                names.add(p + f"self_attn.{proj}_proj.weight")
            if self.qkv_bias:
                names |= {p + f"self_attn.{proj}_proj.bias" for proj in ("q", "k", "v")}
            if self.o_bias:
                names.add(p + "self_attn.o_proj.bias")
            if self.qk_norm:
                names |= {p + "self_attn.q_norm.weight", p + "self_attn.k_norm.weight"}
            if self.sparse(i):
                names |= self.sparse_names(p + self.block + ".")
            else:
                names |= {p + f"mlp.{proj}_proj.weight" for proj in ("gate", "up", "down")}
        return names

    def linear(self, x, name, bias=False):
        y = x @ self.w[name + ".weight"].T
        if bias:
            y = y + self.w[name + ".bias"]
        return y

    def rms_norm(self, x, name):
        mean_square = (x * x).mean(dim=-1, keepdim=True)
        return self.w[name] * (x / torch.sqrt(mean_square + self.eps))

    def frequencies(self):
        """[d/2] angular frequency of each pair: theta^(-2i/d), then scaled as rope_scaling says.

        linear: every frequency divided by factor (positions stretched factor times).
        llama3 (Llama 3.1 "NTK-by-parts"): with L the original context length, a pair whose wavelength 2*pi/f is
        longer than L / low_freq_factor is slowed by factor, one shorter than L / high_freq_factor is left alone,
        and in between f is interpolated: (1 - s) * f / factor + s * f, s = (L / wavelength - low) / (high - low).
        """
        half = self.head_dim // 2
        i = torch.arange(half, dtype=torch.float64)
        frequency = torch.tensor(self.theta, dtype=torch.float64) ** (-2.0 * i / self.head_dim)
        if self.rope_type == "linear":
            return frequency / self.rope_scaling["factor"]
        if self.rope_type == "llama3":
            factor = self.rope_scaling["factor"]
            low, high = self.rope_scaling["low_freq_factor"], self.rope_scaling["high_freq_factor"]
            context = self.rope_scaling["original_max_position_embeddings"]
            scaled = []
            for f in frequency.tolist():
                wavelength = 2 * math.pi / f
                if wavelength < context / high:
                    scaled.append(f)
                elif wavelength > context / low:
                    scaled.append(f / factor)
                else:
                    s = (context / wavelength - low) / (high - low)
                    scaled.append((1 - s) * f / factor + s * f)
            return torch.tensor(scaled, dtype=torch.float64)
        return frequency

    def rotate(self, x, positions):
        """x [B, H, T, d]: dimension i is paired with i + d/2 and the pair is turned by position * frequency[i]."""
        half = self.head_dim // 2
        frequency = self.frequencies()  # [d/2]
        angle = positions.to(torch.float64)[:, None, :, None] * frequency  # [B, 1, T, d/2]
        cos, sin = torch.cos(angle).to(x.dtype), torch.sin(angle).to(x.dtype)
        first, second = x[..., :half], x[..., half:]
        return torch.cat([first * cos - second * sin, second * cos + first * sin], dim=-1)

    def attention(self, x, i, positions):
        p = f"model.layers.{i}.self_attn."
        batch, steps, _ = x.shape
        q = self.linear(x, p + "q_proj", self.qkv_bias).view(batch, steps, self.heads, self.head_dim)
        k = self.linear(x, p + "k_proj", self.qkv_bias).view(batch, steps, self.kv_heads, self.head_dim)
        v = self.linear(x, p + "v_proj", self.qkv_bias).view(batch, steps, self.kv_heads, self.head_dim)
        if self.qk_norm:  # Qwen3: RMSNorm over each head's d values, one weight [d] shared by all heads
            q, k = self.rms_norm(q, p + "q_norm.weight"), self.rms_norm(k, p + "k_norm.weight")
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # [B, heads, T, d]
        q, k = self.rotate(q, positions), self.rotate(k, positions)
        # Query head h reads key/value head h // (heads / kv_heads).
        group = self.heads // self.kv_heads
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.head_dim)  # [B, heads, T, T]
        future = torch.ones(steps, steps, dtype=torch.bool).triu(diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
        out = torch.softmax(scores, dim=-1) @ v  # [B, heads, T, d]
        out = out.transpose(1, 2).reshape(batch, steps, self.heads * self.head_dim)
        return self.linear(out, p + "o_proj", self.o_bias)

    def swiglu(self, x, p, projections=("gate_proj", "up_proj", "down_proj")):
        gate_name, up_name, down_name = projections
        gate = self.linear(x, p + gate_name)
        return self.linear(gate * torch.sigmoid(gate) * self.linear(x, p + up_name), p + down_name)

    def mlp(self, x, i):
        if self.sparse(i):
            return self.moe_block(x, i)
        return self.swiglu(x, f"model.layers.{i}.mlp.")

    def moe_block(self, x, i):
        """One token at a time: the router's scores (softmax, or sigmoid as DeepSeek-V3), the k experts with the
        highest score (plus the balancing bias when there is one: it picks, it never weighs), their outputs weighted
        by the unbiased scores (renormalised to sum 1 when norm_topk_prob; times routed_scaling_factor), plus the
        shared expert (Qwen2-MoE: weighted by sigmoid(shared_expert_gate . x); DeepSeek-V3: unweighted)."""
        p = f"model.layers.{i}.{self.block}."
        out = torch.zeros_like(x)
        batch, steps, _ = x.shape
        for b in range(batch):
            for t in range(steps):
                h = x[b, t]
                logits = self.w[p + "gate.weight"] @ h  # [E]
                scores = torch.sigmoid(logits) if self.sigmoid else torch.softmax(logits, dim=0)
                choice = scores + self.w[p + "gate.e_score_correction_bias"] if self.balancing_bias else scores
                ranked = sorted(range(self.experts), key=lambda e: -float(choice[e]))[:self.top_k]
                weights = [scores[e] for e in ranked]
                if self.renormalise:
                    total = sum(weights)
                    weights = [w / total for w in weights]
                y = torch.zeros_like(h)
                for e, w in zip(ranked, weights):
                    y = y + self.scaling * w * self.swiglu(h, p + f"experts.{e}.", self.projections)
                if self.gated_shared:
                    shared_gate = torch.sigmoid(self.w[p + "shared_expert_gate.weight"] @ h)  # [1]
                    y = y + shared_gate * self.swiglu(h, p + "shared_expert.")
                if self.plain_shared:
                    y = y + self.swiglu(h, p + "shared_experts.")
                out[b, t] = y
        return out

    @torch.no_grad()
    def logits(self, tokens, first_position=0):
        """tokens [B, T] int64 -> logits [B, T, V]."""
        positions = (first_position + torch.arange(tokens.shape[1])).expand(tokens.shape[0], -1)
        x = self.w["model.embed_tokens.weight"][tokens]
        for i in range(self.layers):
            x = x + self.attention(self.rms_norm(x, f"model.layers.{i}.input_layernorm.weight"), i, positions)
            x = x + self.mlp(self.rms_norm(x, f"model.layers.{i}.post_attention_layernorm.weight"), i)
        x = self.rms_norm(x, "model.norm.weight")
        head = self.w["model.embed_tokens.weight"] if self.tied else self.w["lm_head.weight"]
        return x @ head.T


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--tokens", action="append", required=True,
                        help="comma-separated token ids of one sequence; repeat for a batch")
    parser.add_argument("--output", help="write the logits here as a safetensors file (tensor 'logits')")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--first-position", type=int, default=0, help="rotary position of the first token")
    args = parser.parse_args()

    rows = [[int(t) for t in row.split(",") if t.strip()] for row in args.tokens]
    if len({len(row) for row in rows}) != 1 or not rows[0]:
        raise SystemExit("every --tokens row must be non-empty and of the same length")
    model = Reference(args.model_dir, getattr(torch, args.dtype))
    logits = model.logits(torch.tensor(rows, dtype=torch.int64), args.first_position)
    if args.output:
        write_safetensors(args.output, {"logits": logits})
    else:
        print(f"logits {list(logits.shape)} {logits.dtype}")
        for b, row in enumerate(logits):
            print(f"row {b}: argmax {row.argmax(-1).tolist()}; logits[0, :5] {row[0, :5].tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
