"""One prompt length of bench/dpo-prefix.bench.mjs: DPO on one pair, stock TRL against prefix sharing.

Loads the exported pairs (TRL format) with TRL's own DPOTrainer tokenization, keeps the pair
named by --pair, builds a stock DPOTrainer and a PrefixSharingDPOTrainer on the same weights, and
times --runs rounds after an untimed warm-up round (--warmup 1); each round runs both variants,
one after the other, so that both see the same machine load:
- the reference pass (TRL's `compute_ref_log_probs`: what `precompute_ref_log_probs` runs once
  per pair, and what stock TRL without it runs every step),
- the policy step (TRL's `compute_loss` + backward, with the reference log-probs in the batch).
The model is a random Qwen3 built here (--hidden, --layers) with a --vocab-size vocabulary: token
ids from the real Qwen3 tokenizer are folded modulo it, so that stock TRL's logits over every
position (2 x sequence x vocabulary floats, and as many again for their gradient) fit in this
machine's memory at 16k-token prompts.
Peak memory per variant: the process's peak resident set (VmHWM) is reset before each variant's
work (/proc/self/clear_refs) and read after it, minus the resident set at the reset; large
allocations are returned to the OS on free (MALLOC_MMAP_THRESHOLD_ set by the caller, and
malloc_trim), so one variant's freed memory does not count as the other's.
Prints one `RESULT {json}` line.
"""

import argparse
import copy
import ctypes
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

import torch  # noqa: E402
from datasets import load_dataset  # noqa: E402
from transformers import AutoTokenizer, Qwen3Config, Qwen3ForCausalLM  # noqa: E402
from trl import DPOConfig, DPOTrainer  # noqa: E402

from prefix_sharing import PrefixSharingDPOTrainer  # noqa: E402


def status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> float:
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    Path("/proc/self/clear_refs").write_text("5")
    return status_mib("VmRSS")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--pair", type=int, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--vocab-size", type=int, default=8192)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(args.tokenizer)
    config = Qwen3Config(
        vocab_size=args.vocab_size,
        hidden_size=args.hidden,
        intermediate_size=args.hidden * 3,
        num_hidden_layers=args.layers,
        num_attention_heads=max(args.hidden // 64, 1),
        num_key_value_heads=max(args.hidden // 128, 1),
        head_dim=64,
        max_position_embeddings=65536,
        tie_word_embeddings=True,
        pad_token_id=0,
        attn_implementation="sdpa",
    )
    model = Qwen3ForCausalLM(config)
    ref = copy.deepcopy(model)
    with torch.no_grad():  # the policy a little away from the reference: a non-trivial loss
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 1e-2)
    dataset = load_dataset("json", data_files=args.dataset, split="train").select([args.pair])
    trainers = {}
    for variant, trainer_class in (("stock", DPOTrainer), ("shared", PrefixSharingDPOTrainer)):
        trainers[variant] = trainer_class(
            model=model,
            ref_model=ref,
            args=DPOConfig(
                output_dir=tempfile.mkdtemp(prefix="dpo-prefix-bench-"),
                use_cpu=True,
                bf16=False,
                report_to="none",
                per_device_train_batch_size=1,
                max_length=None,
                beta=0.1,
            ),
            train_dataset=dataset,
            processing_class=tokenizer,
        )
    row = trainers["stock"].train_dataset[0]
    example = {k: [i % args.vocab_size for i in row[k]] for k in ("prompt_ids", "chosen_ids", "rejected_ids")}
    stock_tokens = 2 * len(example["prompt_ids"]) + len(example["chosen_ids"]) + len(example["rejected_ids"])
    batches = {}
    for variant, trainer in trainers.items():
        trainer.data_collator.pad_token_id = 0  # the tokenizer's pad id is outside the folded vocabulary
        batches[variant] = trainer._prepare_inputs(trainer.data_collator([example]))
    model.eval()  # no dropout: both variants do the same arithmetic
    out = {v: {"ref_seconds": [], "step_seconds": [], "peak_mib": 0.0} for v in trainers}
    warmup = min(args.warmup, 1)
    for rnd in range(args.runs + warmup):  # a warm-up round (first-call allocations, kernel choice) is untimed
        for variant, trainer in trainers.items():
            batch = batches[variant]
            base = reset_peak()
            t0 = time.perf_counter()
            ref_c, ref_r = trainer.compute_ref_log_probs(ref, batch)
            ref_time = time.perf_counter() - t0
            batch["ref_chosen_logps"], batch["ref_rejected_logps"] = ref_c, ref_r
            trainer.precompute_ref_logps = True
            model.zero_grad(set_to_none=True)
            t0 = time.perf_counter()
            loss = trainer.compute_loss(model, batch)
            loss.backward()
            step_time = time.perf_counter() - t0
            peak = status_mib("VmHWM") - base
            model.zero_grad(set_to_none=True)
            o = out[variant]
            o["peak_mib"] = max(o["peak_mib"], peak)
            o["loss"] = loss.item()
            del loss
            if rnd >= warmup:
                o["ref_seconds"].append(ref_time)
                o["step_seconds"].append(step_time)
    for variant, trainer in trainers.items():
        policy_c, policy_r = trainer.compute_ref_log_probs(model, batches[variant])
        out[variant]["logps"] = [policy_c.item(), policy_r.item(), *(batches[variant][k].item() for k in ("ref_chosen_logps", "ref_rejected_logps"))]
        out[variant]["forward_tokens"] = int(batches[variant]["attention_mask"].sum())
    result = {
        "prompt_tokens": len(example["prompt_ids"]),
        "chosen_tokens": len(example["chosen_ids"]),
        "rejected_tokens": len(example["rejected_ids"]),
        "stock_forward_tokens": stock_tokens,
        "variants": out,
        "threads": torch.get_num_threads(),
        "model": {"hidden": args.hidden, "layers": args.layers, "vocab": args.vocab_size},
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
