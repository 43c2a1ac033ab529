"""Exactness check for python/prefix_sharing.py against stock TRL (used by test/train-prefix.test.ts).

Builds a stock DPOTrainer and a PrefixSharingDPOTrainer on the same model folder and dataset
(float32, CPU), takes the same batch of pairs through each one's own collator, and compares:
- chosen / rejected log-probabilities (TRL's `compute_ref_log_probs` on the same weights),
- the DPO loss (TRL's `compute_loss`, with the same reference log-probs in both batches),
- every parameter's gradient after `loss.backward()`.
Prints one JSON object with the largest relative differences.

Also prints, for settings that cannot take the pair mask, the reason stock TRL runs instead.

usage: python check_prefix_sharing.py MODEL_DIR DATASET.jsonl [--batch N] [--attn sdpa,eager]
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

import torch  # noqa: E402
from datasets import load_dataset  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402
from trl import DPOConfig, DPOTrainer  # noqa: E402

from prefix_sharing import PrefixSharingDPOTrainer, stock_reason  # noqa: E402


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-12)).item()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("dataset")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--attn", default="sdpa,eager")
    args = parser.parse_args()
    for attn in args.attn.split(","):
        compare(args, attn)
    base = dict(output_dir=tempfile.mkdtemp(), use_cpu=True, bf16=False, report_to="none")
    reasons = {
        "flash_attention_2": stock_reason(DPOConfig(**base), args.model, attn_implementation="flash_attention_2"),
        "liger": stock_reason(DPOConfig(**base, use_liger_kernel=True), args.model),
        "keep_end": stock_reason(DPOConfig(**base, max_length=512, truncation_mode="keep_end"), args.model),
        "peft_without_precompute": stock_reason(DPOConfig(**base), args.model, peft=True),
        "sdpa": stock_reason(DPOConfig(**base, precompute_ref_log_probs=True), args.model, peft=True),
    }
    print("REASONS " + json.dumps(reasons))


def compare(args, attn: str) -> None:
    torch.manual_seed(0)
    out_dir = tempfile.mkdtemp(prefix="prefix-check-")
    dataset = load_dataset("json", data_files=args.dataset, split="train")
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32, attn_implementation=attn)
    ref = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32, attn_implementation=attn)
    # A non-zero starting margin: move the policy away from the reference a little.
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 1e-2)

    def config(name: str) -> DPOConfig:
        return DPOConfig(
            output_dir=os.path.join(out_dir, name),
            use_cpu=True,
            bf16=False,
            report_to="none",
            per_device_train_batch_size=args.batch,
            max_length=None,
            beta=0.1,
        )

    stock = DPOTrainer(model=model, ref_model=ref, args=config("stock"), train_dataset=dataset,
                       processing_class=tokenizer)
    shared = PrefixSharingDPOTrainer(model=model, ref_model=ref, args=config("shared"), train_dataset=dataset,
                                     processing_class=tokenizer)
    examples = [stock.train_dataset[i] for i in range(min(args.batch, len(stock.train_dataset)))]
    fields = ("prompt_ids", "chosen_ids", "rejected_ids")
    examples = [{k: e[k] for k in fields} for e in examples]
    stock_batch = stock._prepare_inputs(stock.data_collator(examples))
    shared_batch = shared._prepare_inputs(shared.data_collator(examples))

    model.eval()  # no dropout either way; the comparison is of arithmetic, not of noise
    stock_c, stock_r = stock.compute_ref_log_probs(model, stock_batch)
    shared_c, shared_r = shared.compute_ref_log_probs(model, shared_batch)

    # Loss and gradients with the stock reference log-probs in both batches (precompute path).
    ref_c, ref_r = stock.compute_ref_log_probs(ref, stock_batch)
    for batch in (stock_batch, shared_batch):
        batch["ref_chosen_logps"], batch["ref_rejected_logps"] = ref_c, ref_r
    stock.precompute_ref_logps = shared.precompute_ref_logps = True

    def loss_and_grads(trainer, batch):
        model.zero_grad(set_to_none=True)
        loss = trainer.compute_loss(model, batch)
        loss.backward()
        return loss.detach(), {n: p.grad.detach().clone() for n, p in model.named_parameters() if p.grad is not None}

    stock_loss, stock_grads = loss_and_grads(stock, stock_batch)
    shared_loss, shared_grads = loss_and_grads(shared, shared_batch)
    grad_rel = max(rel(shared_grads[n], g) for n, g in stock_grads.items())
    result = {
        "pairs": len(examples),
        "attn": attn,
        "stock_tokens": int(stock_batch["attention_mask"].sum()),
        "shared_tokens": int(shared_batch["attention_mask"].sum()),
        "chosen_logps": stock_c.tolist(),
        "rejected_logps": stock_r.tolist(),
        "logps_max_rel": max(rel(shared_c, stock_c), rel(shared_r, stock_r)),
        "logps_max_abs": max((shared_c - stock_c).abs().max().item(), (shared_r - stock_r).abs().max().item()),
        "loss_stock": stock_loss.item(),
        "loss_shared": shared_loss.item(),
        "loss_rel": abs(shared_loss.item() - stock_loss.item()) / max(abs(stock_loss.item()), 1e-12),
        "grad_max_rel": grad_rel,
        "grad_params": len(stock_grads),
        "grad_params_missing": sorted(set(stock_grads) - set(shared_grads)),
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
