"""One measurement of bench/dpo-prefix.bench.mjs: DPO on one pair, stock TRL or prefix sharing.

Loads the exported pairs (TRL format) with TRL's own DPOTrainer tokenization, keeps the pair
named by --pair, and times, --runs times on the same pair after one untimed warm-up:
- the reference pass (TRL's `compute_ref_log_probs`: what `precompute_ref_log_probs` runs once
  per pair, and what stock TRL without it runs every step),
- the policy step (TRL's `compute_loss` + backward, with the reference log-probs in the batch).
The model is a random Qwen3 built here (--hidden, --layers) with a --vocab-size vocabulary: token
ids from the real Qwen3 tokenizer are folded modulo it, so that stock TRL's logits over every
position (2 x sequence x vocabulary floats, and as many again for their gradient) fit in this
machine's memory at 16k-token prompts. Peak memory is this process's maximum resident set.
Prints one `RESULT {json}` line.
"""

import argparse
import copy
import json
import resource
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


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--pair", type=int, required=True)
    parser.add_argument("--variant", choices=("stock", "shared"), required=True)
    parser.add_argument("--runs", type=int, default=3)
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
    trainer_class = PrefixSharingDPOTrainer if args.variant == "shared" else DPOTrainer
    trainer = trainer_class(
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
    row = trainer.train_dataset[0]
    example = {k: [i % args.vocab_size for i in row[k]] for k in ("prompt_ids", "chosen_ids", "rejected_ids")}
    stock_tokens = 2 * len(example["prompt_ids"]) + len(example["chosen_ids"]) + len(example["rejected_ids"])
    trainer.data_collator.pad_token_id = 0  # the tokenizer's pad id is outside the folded vocabulary
    batch = trainer._prepare_inputs(trainer.data_collator([example]))
    model.eval()  # no dropout: both variants do the same arithmetic
    rss_before = rss_mib()
    ref_times, step_times = [], []
    for run in range(args.runs + 1):  # run 0 warms up (first-call allocations, kernel choice), untimed
        t0 = time.perf_counter()
        ref_c, ref_r = trainer.compute_ref_log_probs(ref, batch)
        ref_time = time.perf_counter() - t0
        batch["ref_chosen_logps"], batch["ref_rejected_logps"] = ref_c, ref_r
        trainer.precompute_ref_logps = True
        model.zero_grad(set_to_none=True)
        t0 = time.perf_counter()
        loss = trainer.compute_loss(model, batch)
        loss.backward()
        if run:
            ref_times.append(ref_time)
            step_times.append(time.perf_counter() - t0)
    policy_c, policy_r = trainer.compute_ref_log_probs(model, batch)
    result = {
        "variant": args.variant,
        "prompt_tokens": len(example["prompt_ids"]),
        "chosen_tokens": len(example["chosen_ids"]),
        "rejected_tokens": len(example["rejected_ids"]),
        "stock_forward_tokens": stock_tokens,
        "forward_tokens": int(batch["attention_mask"].sum()),
        "ref_seconds": ref_times,
        "step_seconds": step_times,
        "loss": loss.item(),
        "logps": [policy_c.item(), policy_r.item(), ref_c.item(), ref_r.item()],
        "rss_before_mib": rss_before,
        "peak_rss_mib": rss_mib(),
        "threads": torch.get_num_threads(),
        "model": {"hidden": args.hidden, "layers": args.layers, "vocab": args.vocab_size},
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
