"""Encode texts with transformers' fast tokenizer of each tokenizer.json (a test helper for
test/tokenizer-families.test.ts). Usage: encode_with_transformers.py TEXTS.json PATHS.json OUT.json"""

import json
import sys

from transformers import PreTrainedTokenizerFast


def main():
    texts = json.load(open(sys.argv[1]))
    out = {}
    for family, path in json.load(open(sys.argv[2])).items():
        tokenizer = PreTrainedTokenizerFast(tokenizer_file=path)
        out[family] = []
        for text in texts[family]:
            encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
            out[family].append({"ids": encoding["input_ids"], "offsets": encoding["offset_mapping"]})
    with open(sys.argv[3], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
