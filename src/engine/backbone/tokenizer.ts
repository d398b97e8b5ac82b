// CLIP's byte-level BPE tokenizer as Hugging Face's CLIPTokenizer applies it for Stable Diffusion: text cleaned
// (whitespace collapsed, NFC, lower case), split by CLIP's pattern, each piece's UTF-8 bytes mapped to printable
// symbols, the last symbol marked with "</w>", merges applied lowest rank first; then <bos> ids <eos> and padding
// to model_max_length with the checkpoint's pad token ("!" for SD 2.x, <|endoftext|> for SD 1.x).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileNotFoundError, SatError } from '../../shared/errors';

/** GPT-2/CLIP byte -> unicode symbol table: printable bytes map to themselves, the rest to U+0100 onwards. */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const table = new Array<string>(256);
  for (const b of bs) table[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (table[b] === undefined) table[b] = String.fromCodePoint(256 + n++);
  return table;
}

const PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;
/** HF's slow CLIPTokenizer keeps only this many merges (49152 − 256 − 2). */
const MAX_MERGES = 48894;

export class ClipTokenizer {
  readonly bos: number;
  readonly eos: number;
  readonly pad: number;
  readonly unk: number;
  readonly maxLength: number;
  private readonly vocab: Map<string, number>;
  private readonly ranks = new Map<string, number>();
  private readonly byteSymbols = bytesToUnicode();
  private readonly cache = new Map<string, string[]>();

  constructor(vocab: Record<string, number>, merges: string[], special: { bos?: string; eos?: string; pad?: string; unk?: string; maxLength?: number } = {}) {
    this.vocab = new Map(Object.entries(vocab));
    merges.slice(0, MAX_MERGES).forEach((m, i) => this.ranks.set(m, i));
    const id = (tok: string, what: string) => {
      const v = this.vocab.get(tok);
      if (v === undefined) throw new SatError('MODEL_MISMATCH', `The tokenizer vocabulary has no ${what} token "${tok}".`, { hint: 'Check that vocab.json and the tokenizer config belong to the same tokenizer.' });
      return v;
    };
    this.bos = id(special.bos ?? '<|startoftext|>', 'start');
    this.eos = id(special.eos ?? '<|endoftext|>', 'end');
    this.pad = id(special.pad ?? '<|endoftext|>', 'padding');
    this.unk = id(special.unk ?? '<|endoftext|>', 'unknown');
    this.maxLength = special.maxLength ?? 77;
  }

  /** Reads a Hugging Face tokenizer folder (vocab.json, merges.txt, special_tokens_map.json, tokenizer_config.json). */
  static fromFolder(dir: string): ClipTokenizer {
    const file = (name: string) => {
      const p = join(dir, name);
      if (!existsSync(p)) throw new FileNotFoundError(p, 'tokenizer file');
      return readFileSync(p, 'utf8');
    };
    let vocab: Record<string, number>;
    try {
      vocab = JSON.parse(file('vocab.json')) as Record<string, number>;
    } catch (e) {
      if (e instanceof SatError) throw e;
      throw new SatError('CORRUPT_WEIGHTS', `"${join(dir, 'vocab.json')}" is not valid JSON.`, { hint: 'Download the tokenizer files again.', cause: e });
    }
    const merges = file('merges.txt').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#version'));
    const cfg: Record<string, unknown> = {};
    for (const name of ['special_tokens_map.json', 'tokenizer_config.json']) {
      const p = join(dir, name);
      if (existsSync(p)) for (const [k, v] of Object.entries(JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>)) if (v !== null && v !== undefined) cfg[k] = v;
    }
    const tok = (k: string) => {
      const v = cfg[k];
      if (v && typeof v === 'object' && 'content' in v) return String((v as { content: unknown }).content);
      return typeof v === 'string' ? v : undefined;
    };
    const maxLength = typeof cfg.model_max_length === 'number' && cfg.model_max_length < 1e6 ? cfg.model_max_length : 77;
    return new ClipTokenizer(vocab, merges, { bos: tok('bos_token'), eos: tok('eos_token'), pad: tok('pad_token'), unk: tok('unk_token'), maxLength });
  }

  private bpe(token: string): string[] {
    const hit = this.cache.get(token);
    if (hit) return hit;
    const chars = [...token];
    let word = [...chars.slice(0, -1), chars[chars.length - 1] + '</w>'];
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const r = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const [a, b] = [word[best], word[best + 1]];
      const next: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (i < word.length - 1 && word[i] === a && word[i + 1] === b) {
          next.push(a + b);
          i += 2;
        } else next.push(word[i++]);
      }
      word = next;
    }
    this.cache.set(token, word);
    return word;
  }

  /** Token ids without bos/eos/padding. */
  tokenize(text: string): number[] {
    const clean = text.replace(/\s+/g, ' ').trim().normalize('NFC').toLowerCase();
    const ids: number[] = [];
    for (const piece of clean.match(PATTERN) ?? []) {
      const sym = [...Buffer.from(piece, 'utf8')].map((b) => this.byteSymbols[b]).join('');
      for (const p of this.bpe(sym)) ids.push(this.vocab.get(p) ?? this.unk);
    }
    return ids;
  }

  /** padding="max_length", truncation=True: [bos] + ids[:max−2] + [eos] + [pad]… (length maxLength). */
  encode(text: string): Int32Array {
    const ids = this.tokenize(text).slice(0, this.maxLength - 2);
    const out = new Int32Array(this.maxLength).fill(this.pad);
    out[0] = this.bos;
    out.set(ids, 1);
    out[ids.length + 1] = this.eos;
    return out;
  }
}
