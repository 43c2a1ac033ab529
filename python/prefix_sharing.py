"""DPO with prefix sharing: each preference pair runs through the model as ONE sequence.

Stock TRL (DPOTrainer + DataCollatorForPreference) runs `prompt + chosen` and `prompt + rejected`
as two padded rows, so the shared prompt (on agent data, the whole trajectory up to the decision)
is computed twice in the policy and twice more in the reference. Here the collator packs every
pair of a batch into a single row

    [prompt_1, chosen_1, rejected_1, prompt_2, chosen_2, rejected_2, ...]

with a custom 4D attention mask (a token attends causally within its own pair, and a rejected
token never sees the chosen tokens) and position ids that restart at 0 for each pair and make the
rejected part continue from the end of the prompt, exactly where it sits in stock TRL's row. The
model is asked for logits only at the positions that predict completion tokens (`logits_to_keep`
with an index tensor), which TRL's loss then sees laid out as its usual `[chosen rows, rejected
rows]` batch: the loss, every metric, reference log-probs (precomputed or not), LD-DPO weighting
and the loss variants are TRL's own code, unchanged. TRL stays the engine; this module only
changes what one forward pass contains.

The mathematics is the same as stock TRL's; the floating-point sums differ in order, so
log-probabilities, loss and gradients agree to float32 rounding (the test checks 1e-4 relative).

Where a setting cannot take a custom mask (FlashAttention / flex attention, the Liger fused loss,
vision data, `keep_end` truncation which cuts the prompt differently for chosen and rejected, a
PEFT model without precomputed reference log-probs), `stock_reason` says why and sealign runs
stock TRL, printing that reason.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import torch
from trl import DPOTrainer

# Attention implementations that take an arbitrary dense 4D mask as given.
MASKABLE_ATTENTION = ("sdpa", "eager")


@dataclass
class PrefixSharedPreferenceCollator:
    """Packs a batch of tokenized pairs (`prompt_ids`, `chosen_ids`, `rejected_ids`, optional
    `ref_chosen_logps` / `ref_rejected_logps`, as TRL's DPOTrainer tokenizes them) into one row.

    Returns the packed row (`input_ids`, `attention_mask` of ones, `position_ids`), what the mask is
    built from (`pair_segment`, `pair_part`: 0 prompt, 1 chosen, 2 rejected), the positions whose
    logits are kept (`logits_keep`), and TRL's view of the batch over completion positions:
    `view_input_ids` / `view_completion_mask` (2 x pairs rows: the prompt's last token followed by
    the completion) and `view_index` (for each view position, its index into the kept logits).
    """

    pad_token_id: int
    max_length: int | None = None

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        ids: list[int] = []
        positions: list[int] = []
        segments: list[int] = []
        parts: list[int] = []
        chosen_rows: list[tuple[list[int], list[int]]] = []  # (view token ids, packed positions)
        rejected_rows: list[tuple[list[int], list[int]]] = []
        for pair, example in enumerate(examples):
            prompt = list(example["prompt_ids"])
            chosen = list(example["chosen_ids"])
            rejected = list(example["rejected_ids"])
            if not prompt:
                raise ValueError("prefix sharing needs a non-empty prompt in every pair")
            if self.max_length is not None:
                # Stock TRL (keep_start) cuts prompt+completion at max_length; its dataset step has
                # already dropped pairs whose prompt alone reaches it, so only completions shrink.
                room = max(self.max_length - len(prompt), 0)
                chosen, rejected = chosen[:room], rejected[:room]
            start = len(ids)
            p = len(prompt)
            ids += prompt + chosen + rejected
            positions += list(range(p + len(chosen))) + list(range(p, p + len(rejected)))
            segments += [pair] * (p + len(chosen) + len(rejected))
            parts += [0] * p + [1] * len(chosen) + [2] * len(rejected)
            last_prompt = start + p - 1
            chosen_at = [start + p + i for i in range(len(chosen))]
            rejected_at = [start + p + len(chosen) + i for i in range(len(rejected))]
            # The logit at the prompt's last token predicts the first token of either completion.
            chosen_rows.append(([prompt[-1]] + chosen, [last_prompt] + chosen_at))
            rejected_rows.append(([prompt[-1]] + rejected, [last_prompt] + rejected_at))

        rows = chosen_rows + rejected_rows
        keep = sorted({pos for _, at in rows for pos in at})
        where = {pos: i for i, pos in enumerate(keep)}
        width = max(len(tokens) for tokens, _ in rows)
        view_ids = torch.full((len(rows), width), self.pad_token_id, dtype=torch.long)
        view_mask = torch.zeros((len(rows), width), dtype=torch.long)
        view_index = torch.zeros((len(rows), width), dtype=torch.long)
        for r, (tokens, at) in enumerate(rows):
            view_ids[r, : len(tokens)] = torch.tensor(tokens)
            view_mask[r, 1 : len(tokens)] = 1
            view_index[r, : len(at)] = torch.tensor([where[pos] for pos in at])
        out = {
            "input_ids": torch.tensor([ids], dtype=torch.long),
            "attention_mask": torch.ones((1, len(ids)), dtype=torch.long),
            "position_ids": torch.tensor([positions], dtype=torch.long),
            "pair_segment": torch.tensor([segments], dtype=torch.long),
            "pair_part": torch.tensor([parts], dtype=torch.long),
            "logits_keep": torch.tensor(keep, dtype=torch.long),
            "view_input_ids": view_ids,
            "view_completion_mask": view_mask,
            "view_index": view_index,
        }
        for key in ("ref_chosen_logps", "ref_rejected_logps"):
            if key in examples[0]:
                out[key] = torch.tensor([example[key] for example in examples])
        return out


PACKED_KEYS = ("input_ids", "attention_mask", "position_ids", "pair_segment", "pair_part", "logits_keep")
VIEW_KEYS = ("view_input_ids", "view_completion_mask", "view_index")


def pair_attention_mask(segment: torch.Tensor, part: torch.Tensor, dtype: torch.dtype | None) -> torch.Tensor:
    """(1, 1, n, n) mask: query q sees key k when both are in the same pair, k <= q, and not
    (q is rejected and k is chosen). Boolean (True = attend) for SDPA; additive (0 / dtype min)
    for eager attention, which adds the mask to its scores."""
    n = segment.shape[-1]
    seg, prt = segment[0], part[0]
    causal = torch.ones((n, n), dtype=torch.bool, device=segment.device).tril_()
    allowed = causal & (seg[:, None] == seg[None, :]) & ~((prt[:, None] == 2) & (prt[None, :] == 1))
    allowed = allowed[None, None]
    if dtype is None:
        return allowed
    additive = torch.zeros(allowed.shape, dtype=dtype, device=segment.device)
    return additive.masked_fill_(~allowed, torch.finfo(dtype).min)


class PackedPairForward:
    """Stands in for the model inside TRL's loss code: whatever kwargs TRL passes, it runs the
    packed row bound to it and returns the model's output with `logits` rearranged into TRL's
    `[chosen rows; rejected rows]` view over completion positions."""

    def __init__(self, model, packed: dict[str, torch.Tensor], view_index: torch.Tensor, attn: str):
        self.model = model
        self.packed = packed
        self.view_index = view_index
        self.attn = attn

    def __call__(self, **kwargs):
        for key in ("input_ids", "attention_mask", "position_ids", "logits_to_keep"):
            kwargs.pop(key, None)
        packed = self.packed
        dtype = None if self.attn == "sdpa" else _float_dtype(self.model)
        mask = pair_attention_mask(packed["pair_segment"], packed["pair_part"], dtype)
        outputs = self.model(
            input_ids=packed["input_ids"],
            attention_mask=mask,
            position_ids=packed["position_ids"],
            logits_to_keep=packed["logits_keep"],
            **kwargs,
        )
        outputs.logits = outputs.logits[0][self.view_index]
        return outputs


def _float_dtype(model) -> torch.dtype:
    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.float32


def split_batch(inputs: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """The packed row for the model, and TRL's view of the batch. The view's `attention_mask` is
    the packed row's, so TRL's `num_tokens` counts the tokens actually run."""
    packed = {k: inputs[k] for k in PACKED_KEYS}
    view = {
        "input_ids": inputs["view_input_ids"],
        "attention_mask": inputs["attention_mask"],
        "completion_mask": inputs["view_completion_mask"],
    }
    for key in ("ref_chosen_logps", "ref_rejected_logps"):
        if key in inputs:
            view[key] = inputs[key]
    return packed, view


def stock_reason(
    args,
    model_path: str | None,
    is_vision: bool = False,
    peft: bool = False,
    attn_implementation: str | None = None,
) -> str | None:
    """Why this configuration cannot take the pair mask (then stock TRL runs), or None."""
    if args.use_liger_kernel:
        return "use_liger_kernel computes the loss in its own fused forward"
    if is_vision:
        return "vision datasets go through TRL's vision collator"
    if args.max_length is not None and args.truncation_mode == "keep_end":
        return "truncation_mode keep_end cuts the prompt differently for chosen and rejected"
    if peft and not args.precompute_ref_log_probs:
        return "a PEFT model's reference pass (adapter disabled) needs precompute_ref_log_probs: true"
    requested = attn_implementation or (args.model_init_kwargs or {}).get("attn_implementation")
    if requested is not None and requested not in MASKABLE_ATTENTION:
        return f"attn_implementation {requested} does not take a custom 4D attention mask (use sdpa or eager)"
    if model_path is not None:
        from transformers import AutoConfig
        from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING

        config = AutoConfig.from_pretrained(model_path, trust_remote_code=args.trust_remote_code)
        try:
            cls = MODEL_FOR_CAUSAL_LM_MAPPING[type(config)]
        except KeyError:
            return f"model type {config.model_type} is not a transformers causal LM with a known forward"
        params = inspect.signature(cls.forward).parameters
        for name in ("position_ids", "logits_to_keep"):
            if name not in params:
                return f"{cls.__name__}.forward takes no {name}"
    return None


class PrefixSharingDPOTrainer(DPOTrainer):
    """TRL's DPOTrainer with each pair run as one [prompt, chosen, rejected] sequence.

    Constructed like DPOTrainer. Its collator packs pairs (PrefixSharedPreferenceCollator); the
    loss and the reference log-probs go through TRL's own `_compute_loss` /
    `compute_ref_log_probs` with the model replaced by a PackedPairForward over that row.
    """

    def __init__(self, *args, **kwargs):
        training_args = kwargs["args"]
        tokenizer = kwargs.get("processing_class")
        if kwargs.get("data_collator") is None:
            if tokenizer is None:
                from transformers import AutoTokenizer

                model = kwargs.get("model", args[0] if args else None)
                tokenizer = AutoTokenizer.from_pretrained(
                    model if isinstance(model, str) else model.config._name_or_path
                )
                kwargs["processing_class"] = tokenizer
            pad = training_args.pad_token or tokenizer.pad_token or tokenizer.eos_token
            tokenizer.pad_token = pad
            kwargs["data_collator"] = PrefixSharedPreferenceCollator(
                pad_token_id=tokenizer.pad_token_id, max_length=training_args.max_length
            )
        super().__init__(*args, **kwargs)

    def _attention(self) -> str:
        # Read from the loaded model (TRL's __init__ loads it; its precompute pass already needs this).
        attn = getattr(self.accelerator.unwrap_model(self.model).config, "_attn_implementation", None)
        if attn not in MASKABLE_ATTENTION:
            raise ValueError(
                f"prefix sharing: the model was loaded with attention {attn!r}, which does not take a custom "
                "4D mask; set dpo.prefix_sharing: false (stock TRL) or attn_implementation: sdpa"
            )
        return attn

    def compute_ref_log_probs(self, model, inputs):
        packed, view = split_batch(inputs)
        return super().compute_ref_log_probs(
            PackedPairForward(model, packed, inputs["view_index"], self._attention()), view
        )

    def _compute_loss(self, model, inputs, return_outputs):
        packed, view = split_batch(inputs)
        attn = self._attention()
        forward = PackedPairForward(model, packed, inputs["view_index"], attn)
        ref_model = self.ref_model
        if ref_model is not None and not self.precompute_ref_logps:
            self.ref_model = PackedPairForward(ref_model, packed, inputs["view_index"], attn)
        try:
            return super()._compute_loss(forward, view, return_outputs)
        finally:
            self.ref_model = ref_model
