"""Load sealign's TRL exports the way TRL's trainers do and count the rows TRL's own data
utilities accept (a test helper: run by test/export-consumers.test.ts in the trainer's venv).

Usage: check_trl_rows.py TOKENIZER_DIR SFT.jsonl DPO.jsonl REPORT.json
"""

import json
import sys

from datasets import load_dataset
from transformers import AutoTokenizer
from trl.data_utils import apply_chat_template, is_conversational, maybe_extract_prompt


def check(path, tokenizer, names):
    # datasets' JSON loader: the Arrow view of the rows that the trainers get
    dataset = load_dataset("json", data_files=path, split="train")
    report = {"rows": len(dataset), "accepted": 0, "not_conversational": 0, "errors": [], "names_missing": 0}
    for example in dataset:
        example = dict(example)
        if not is_conversational(example):
            report["not_conversational"] += 1
            continue
        try:
            tools = json.loads(example["tools"]) if example.get("tools") else None
            rendered = apply_chat_template(maybe_extract_prompt(example), tokenizer, tools=tools)
        except Exception as error:  # a row TRL cannot render is what this check counts
            report["errors"].append(f"{example.get('id')}: {type(error).__name__}: {error}"[:300])
            continue
        text = "".join(v for v in rendered.values() if isinstance(v, str))
        if not text:
            report["errors"].append(f"{example.get('id')}: empty render")
            continue
        for name in names(example):
            if name not in text:
                report["names_missing"] += 1
        report["accepted"] += 1
    return report


def call_names(messages):
    return [c["function"]["name"] for m in messages or [] for c in (m.get("tool_calls") or [])]


def main():
    tokenizer = AutoTokenizer.from_pretrained(sys.argv[1])
    sft = check(sys.argv[2], tokenizer, lambda e: call_names(e.get("messages")))
    dpo = check(
        sys.argv[3],
        tokenizer,
        lambda e: call_names(e.get("chosen")) + call_names(e.get("rejected")),
    )
    with open(sys.argv[4], "w") as f:
        json.dump({"sft": sft, "dpo": dpo}, f)


if __name__ == "__main__":
    main()
