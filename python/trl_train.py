"""Run TRL's own training script (trl/scripts/sft.py or dpo.py, what `trl sft` / `trl dpo` run)
with two additions that sealign needs, and nothing else changed:

1. Resume: TRL's scripts call `trainer.train()` without `resume_from_checkpoint`, so the config's
   `resume_from_checkpoint` would be ignored; here it is passed through.
2. Metrics: every log (loss, DPO reward margins and accuracies, ...) is also printed as one
   `SEALIGN_METRICS {json}` line, which `sealign train` streams and records.

usage: python trl_train.py sft|dpo --config FILE.yaml   (also under `accelerate launch`)
"""

import importlib
import json
import math
import sys

from transformers import Trainer, TrainerCallback


class JsonLogCallback(TrainerCallback):
    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        clean = {k: (v if not isinstance(v, float) or math.isfinite(v) else None) for k, v in logs.items()}
        record = {"step": state.global_step, "max_steps": state.max_steps, "epoch": state.epoch, **clean}
        print("SEALIGN_METRICS " + json.dumps(record), flush=True)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("sft", "dpo"):
        sys.exit("usage: trl_train.py sft|dpo --config FILE.yaml")
    stage = sys.argv.pop(1)
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
    script.main(script_args, training_args, model_args, dataset_args)


if __name__ == "__main__":
    main()
