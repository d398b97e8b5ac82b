import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipTokenizer, bytesToUnicode } from '../../../src/engine/backbone/tokenizer';

const golden = 'test/fixtures/backbone/golden';
const manifest = JSON.parse(readFileSync(join(golden, 'manifest.json'), 'utf8')) as { token_ids: Record<string, number[]> };

describe('CLIP BPE tokenizer', () => {
  const tok = ClipTokenizer.fromFolder(join(golden, 'tokenizer'));

  it('matches the Python reference on every prompt (case, punctuation, digits, non-ASCII, truncation)', () => {
    for (const [prompt, ids] of Object.entries(manifest.token_ids)) expect(Array.from(tok.encode(prompt)), prompt).toEqual(ids);
  });

  it('pads with the checkpoint pad token ("!" as SD 2.x does) after <eos>, to 77', () => {
    const vocab = JSON.parse(readFileSync(join(golden, 'tokenizer', 'vocab.json'), 'utf8')) as Record<string, number>;
    const ids = Array.from(tok.encode('a'));
    expect(ids.length).toBe(77);
    expect(ids.slice(0, 3)).toEqual([vocab['<|startoftext|>'], vocab['a</w>'], vocab['<|endoftext|>']]);
    expect(new Set(ids.slice(3))).toEqual(new Set([vocab['!']]));
    // CLIP's base layout: 256 byte symbols, then the same with </w>: "a</w>" is 256 + 64 = 320 as in the real vocab
    expect(vocab['a</w>']).toBe(320);
  });

  it('byte table is a bijection onto 256 printable symbols', () => {
    const t = bytesToUnicode();
    expect(new Set(t).size).toBe(256);
    expect(t[0x41]).toBe('A');
    expect(t[0x20]).toBe('Ġ');
  });
});
