"""Merge a LoRA adapter (what TRL saves for a stage run with `use_peft`) into its base model.

The base is loaded unquantized (also after QLoRA, whose 4-bit base cannot hold merged weights),
the adapter applied with PEFT and folded in (`merge_and_unload`), and the result saved as a plain
Hugging Face model folder with the adapter folder's tokenizer, written to OUT.partial and renamed
to OUT, so that a killed merge never leaves a half model where the next stage or the GGUF
converter would read it.

usage: python merge_lora.py ADAPTER_DIR OUT_DIR [--dtype float32|bfloat16|float16]
"""

import argparse
import json
import os
import shutil
from pathlib import Path

import torch
from peft import PeftConfig, PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("adapter")
    parser.add_argument("out")
    parser.add_argument("--dtype", default="float32", choices=("float32", "bfloat16", "float16"))
    args = parser.parse_args()
    adapter = Path(args.adapter)
    if not (adapter / "adapter_config.json").exists():
        raise SystemExit(f"{adapter}: no adapter_config.json (not a LoRA stage output)")
    peft_config = PeftConfig.from_pretrained(adapter)
    base = AutoModelForCausalLM.from_pretrained(peft_config.base_model_name_or_path, dtype=getattr(torch, args.dtype))
    merged = PeftModel.from_pretrained(base, adapter).merge_and_unload()
    out = Path(args.out)
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    merged.save_pretrained(tmp)
    AutoTokenizer.from_pretrained(adapter).save_pretrained(tmp)
    (tmp / "sealign-merged.json").write_text(
        json.dumps({"adapter": str(adapter.resolve()), "base": peft_config.base_model_name_or_path,
                    "r": getattr(peft_config, "r", None), "dtype": args.dtype}),
        encoding="utf-8",
    )
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    print(f"merged {adapter} into {peft_config.base_model_name_or_path} -> {out}", flush=True)


if __name__ == "__main__":
    main()
