"""Run TRL's own training script (trl/scripts/sft.py or dpo.py, what `trl sft` / `trl dpo` run)
with two additions that sealign needs, and nothing else changed:

1. Resume: TRL's scripts call `trainer.train()` without `resume_from_checkpoint`, so the config's
   `resume_from_checkpoint` would be ignored; here it is passed through.
2. Metrics: every log (loss, DPO reward margins and accuracies, ...) is also printed as one
   `SEALIGN_METRICS {json}` line, which `sealign train` streams and records.
3. DPO with `--prefix-sharing`: the script's DPOTrainer is python/prefix_sharing.py's subclass
   (each pair as one [prompt, chosen, rejected] sequence), unless the configuration cannot take
   its attention mask; then stock TRL runs and a `SEALIGN_NOTE` line says why.

usage: python trl_train.py sft|dpo --config FILE.yaml [--prefix-sharing]   (also under `accelerate launch`)
"""

import importlib
import json
import math
import sys
from pathlib import Path

from transformers import Trainer, TrainerCallback


class JsonLogCallback(TrainerCallback):
    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        clean = {k: (v if not isinstance(v, float) or math.isfinite(v) else None) for k, v in logs.items()}
        record = {"step": state.global_step, "max_steps": state.max_steps, "epoch": state.epoch, **clean}
        print("SEALIGN_METRICS " + json.dumps(record), flush=True)


def use_prefix_sharing(training_args, model_args) -> None:
    """Swap TRL's DPOTrainer (which trl/scripts/dpo.py imports from `trl` when it runs) for the
    prefix-sharing subclass, or say why stock TRL runs instead."""
    import trl

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from prefix_sharing import PrefixSharingDPOTrainer, stock_reason

    reason = stock_reason(
        training_args,
        model_args.model_name_or_path,
        peft=bool(model_args.use_peft),
        attn_implementation=model_args.attn_implementation,
    )
    if reason:
        print(f"SEALIGN_NOTE prefix sharing off, stock TRL DPO runs: {reason}", flush=True)
        return
    trl.DPOTrainer = PrefixSharingDPOTrainer
    print("SEALIGN_NOTE prefix sharing on: each pair runs as one [prompt, chosen, rejected] sequence", flush=True)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("sft", "dpo"):
        sys.exit("usage: trl_train.py sft|dpo --config FILE.yaml")
    stage = sys.argv.pop(1)
    prefix_sharing = "--prefix-sharing" in sys.argv
    if prefix_sharing:
        sys.argv.remove("--prefix-sharing")
    script = importlib.import_module(f"trl.scripts.{stage}")

    original_train = Trainer.train

    def train(self, resume_from_checkpoint=None, **kwargs):
        if resume_from_checkpoint is None and self.args.resume_from_checkpoint:
            resume_from_checkpoint = self.args.resume_from_checkpoint
        self.add_callback(JsonLogCallback())
        return original_train(self, resume_from_checkpoint=resume_from_checkpoint, **kwargs)

    Trainer.train = train
    parser = script.make_parser()
    script_args, training_args, model_args, dataset_args = parser.parse_args_and_config(fail_with_unknown_args=False)
    if stage == "dpo" and prefix_sharing:
        use_prefix_sharing(training_args, model_args)
    script.main(script_args, training_args, model_args, dataset_args)


if __name__ == "__main__":
    main()
