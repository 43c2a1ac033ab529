import { existsSync, readFileSync } from "node:fs";
import { DATASET_CARD_SCHEMA, type DatasetCard } from "../export/card.js";
import { cardPaths } from "../export/run.js";

/**
 * Whether `sealign train`'s DPO stage runs each pair as one [prompt, chosen, rejected] sequence
 * (python/prefix_sharing.py, a subclass of TRL's DPOTrainer). On by default for sealign's own DPO
 * exports (their card says so): agent pairs share a long prompt, so stock TRL spends nearly half
 * of its forward work on the prompt's second copy. Off by default for data from elsewhere, whose
 * shape sealign does not know. `dpo.prefix_sharing` in train.yaml overrides either way.
 */
export interface PrefixSharingChoice {
  enabled: boolean;
  /** Why, in words, for the progress line. */
  why: string;
}

export function choosePrefixSharing(dataset: string, configured: boolean | undefined): PrefixSharingChoice {
  if (configured !== undefined)
    return { enabled: configured, why: `dpo.prefix_sharing: ${configured} in train.yaml` };
  const card = cardPaths(dataset).json;
  if (!existsSync(card)) return { enabled: false, why: `no sealign dataset card beside ${dataset}` };
  let parsed: Partial<DatasetCard>;
  try {
    parsed = JSON.parse(readFileSync(card, "utf8")) as Partial<DatasetCard>;
  } catch {
    // maxLengthFromCard reads the same card and reports it as malformed (exit 2).
    return { enabled: false, why: `unreadable dataset card ${card}` };
  }
  if (parsed.schema_version !== DATASET_CARD_SCHEMA || parsed.kind !== "dpo")
    return { enabled: false, why: `${card} is not a sealign DPO export's card` };
  const share = parsed.tokens?.prefix_recompute_share;
  return {
    enabled: true,
    why: `sealign DPO export${typeof share === "number" ? ` (stock TRL would spend ${(share * 100).toFixed(1)}% of its forward tokens on the prompt's second copy)` : ""}`,
  };
}
