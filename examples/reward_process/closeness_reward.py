#!/usr/bin/env python3
"""A grpo process reward in plain Python (standard library only): partial credit for numeric answers.

grpo starts this once and keeps it running:  --reward "cmd:python3 examples/reward_process/closeness_reward.py"
Each line on stdin is one batch (JSON):
    {"protocol": 1, "inputs": [{"prompt", "completion", "completion_ids", "finish_reason", "row"}, ...]}
Each batch gets exactly one line on stdout:
    {"scores": [number or null, ...], "reasons": [text or null, ...]}
or {"error": "message"} to stop the run with that message. Print debugging output to stderr, never stdout.

Score: 1 - |predicted - gold| / |gold|, floored at 0, where predicted is the last number of the completion's
<answer>...</answer> (or of the whole completion) and gold is the row's "answer" (a GSM8K "#### N" line counts).
Not applicable (null) when the gold answer is not a number.
"""
import json
import re
import sys
from fractions import Fraction

NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")  # linear: no nested quantifiers
ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)


def last_number(text):
    found = None
    for match in NUMBER.finditer(text):
        found = match.group(0)
    if found is None:
        return None
    try:
        return Fraction(found.replace(",", ""))
    except (ValueError, ZeroDivisionError):
        return None


def gold_number(row):
    gold = row.get("answer") if isinstance(row, dict) else None
    if isinstance(gold, (int, float)) and not isinstance(gold, bool):
        return Fraction(gold)
    if not isinstance(gold, str):
        return None
    if "####" in gold:
        gold = gold.rsplit("####", 1)[1]
    gold = gold.strip().replace(",", "").lstrip("$")
    try:
        return Fraction(gold)
    except (ValueError, ZeroDivisionError):
        return None


def score_one(item):
    gold = gold_number(item.get("row"))
    if gold is None:
        return None, "gold answer is not a number"
    completion = item.get("completion", "")
    answers = ANSWER.findall(completion)
    predicted = last_number(answers[-1] if answers else completion[-10000:])
    if predicted is None:
        return 0.0, "no number found"
    if predicted == gold:
        return 1.0, "exact"
    scale = abs(gold) if gold != 0 else Fraction(1)
    score = max(Fraction(0), 1 - abs(predicted - gold) / scale)
    return float(score), "off by %s" % (predicted - gold)


def main():
    for line in sys.stdin:
        try:
            request = json.loads(line)
            inputs = request["inputs"]
            results = [score_one(item) for item in inputs]
            reply = {"scores": [s for s, _ in results], "reasons": [r for _, r in results]}
        except Exception as error:  # a malformed request: say so, grpo stops with this message
            reply = {"error": "closeness_reward.py: %s: %s" % (type(error).__name__, error)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
