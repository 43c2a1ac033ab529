"""Dump the tokens and loss masks TRL itself computes for a sealign export (for tests).

SFT: builds TRL's SFTTrainer (assistant_only_loss=True) on the exported JSONL and prints, per
example, input_ids and the trained-token mask (labels != -100) after TRL's own preprocessing.
DPO: builds DPOTrainer and prints prompt/chosen/rejected ids. No training step runs.

usage: python dump_trl_masks.py --model DIR (--sft FILE | --dpo FILE) [--max-length N] --out FILE
"""

import argparse
import json
import tempfile

from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer, SFTConfig, SFTTrainer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--sft")
    parser.add_argument("--dpo")
    parser.add_argument("--max-length", type=int, default=None)
    parser.add_argument("--out", required=True)
    # A second model folder (e.g. the same weights with another family's chat template) and its SFT export.
    parser.add_argument("--alt-model")
    parser.add_argument("--alt-sft")
    args = parser.parse_args()

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        common = dict(output_dir=tmp, report_to=[], max_length=args.max_length, bf16=False, use_cpu=True)
        if args.sft:
            data = load_dataset("json", data_files=args.sft, split="train")
            trainer = SFTTrainer(
                model=model,
                args=SFTConfig(assistant_only_loss=True, **common),
                train_dataset=data,
                processing_class=tokenizer,
            )
            rows = trainer.train_dataset
            out["sft"] = [
                {"input_ids": r["input_ids"], "mask": [0 if l == -100 else 1 for l in r["labels"]]} for r in rows
            ]
        if args.alt_model and args.alt_sft:
            alt_tokenizer = AutoTokenizer.from_pretrained(args.alt_model)
            trainer = SFTTrainer(
                model=model,
                args=SFTConfig(assistant_only_loss=True, **common),
                train_dataset=load_dataset("json", data_files=args.alt_sft, split="train"),
                processing_class=alt_tokenizer,
            )
            out["alt_sft"] = [
                {"input_ids": r["input_ids"], "mask": [0 if l == -100 else 1 for l in r["labels"]]}
                for r in trainer.train_dataset
            ]
        if args.dpo:
            data = load_dataset("json", data_files=args.dpo, split="train")
            trainer = DPOTrainer(
                model=model,
                args=DPOConfig(**common),
                train_dataset=data,
                processing_class=tokenizer,
            )
            out["dpo"] = [
                {"id": r.get("id"), "prompt_ids": r["prompt_ids"], "chosen_ids": r["chosen_ids"], "rejected_ids": r["rejected_ids"]}
                for r in trainer.train_dataset
            ]
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
