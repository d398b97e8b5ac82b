// Hugging Face CLIPTextModel → last_hidden_state (after final_layer_norm), the tensor SatDiFuser feeds the UNet as
// encoder_hidden_states: token + position embeddings, pre-LN transformer layers with causal self-attention
// (q scaled by head_dim^-0.5, mask = float32 min above the diagonal), GELU or quick-GELU MLP.
import { SatError } from '../../shared/errors';
import { Graph } from '../nn/graph';
import { add, slice } from '../nn/ops';
import { NetBuilder, attention, gelu, quickGelu } from './layers';
import type { WeightSource } from './weightSource';

export interface ClipTextConfig {
  readonly hiddenSize: number;
  readonly layers: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly maxPositions: number;
  readonly vocabSize: number;
  readonly act: 'gelu' | 'quick_gelu';
  readonly eps: number;
}

export function parseClipConfig(c: Record<string, unknown>, path = 'config.json'): ClipTextConfig {
  const need = (k: string) => {
    const v = c[k];
    if (typeof v !== 'number') throw new SatError('MODEL_MISMATCH', `"${path}" has no numeric ${k} (not a CLIPTextModel config).`, { hint: 'Point at the text_encoder/ folder of the checkpoint.' });
    return v;
  };
  const act = (c.hidden_act as string | undefined) ?? 'quick_gelu';
  if (act !== 'gelu' && act !== 'quick_gelu') throw new SatError('MODEL_MISMATCH', `"${path}": hidden_act "${act}" is not supported (gelu, quick_gelu).`);
  return {
    hiddenSize: need('hidden_size'), layers: need('num_hidden_layers'), heads: need('num_attention_heads'),
    intermediate: need('intermediate_size'), maxPositions: need('max_position_embeddings'), vocabSize: need('vocab_size'),
    act, eps: (c.layer_norm_eps as number | undefined) ?? 1e-5,
  };
}

export function buildClipTextGraph(cfg: ClipTextConfig, weights: WeightSource, o: { length?: number; name?: string } = {}): Graph {
  const n = o.length ?? 77;
  const d = cfg.hiddenSize;
  const g = new Graph({ name: o.name ?? 'clip_text', weights });
  const b = new NetBuilder(g, weights);
  const ids = g.input('input_ids', 'int64', ['batch', n]);
  const mask = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) mask[i * n + j] = -3.4028234663852886e38;
  const maskV = g.constant(mask, 'float32', [1, 1, n, n], 'causal_mask');
  const out = b.scope('text_model', () => {
    let x = b.scope('embeddings', () => {
      const tok = b.scope('token_embedding', () => g.op1('Gather', [b.param('weight', [cfg.vocabSize, d]), ids], { axis: 0 }));
      const pos = b.scope('position_embedding', () => slice(b.param('weight', [cfg.maxPositions, d]), [0], [n], [0]));
      return add(tok, pos);
    });
    for (let l = 0; l < cfg.layers; l++) {
      x = b.scope(`encoder.layers.${l}`, () => {
        const h = b.scope('layer_norm1', () => b.layerNorm(x, d, cfg.eps));
        const a = b.scope('self_attn', () => {
          const q = b.scope('q_proj', () => b.linear(h, d, d));
          const k = b.scope('k_proj', () => b.linear(h, d, d));
          const v = b.scope('v_proj', () => b.linear(h, d, d));
          return b.scope('out_proj', () => b.linear(attention(q, k, v, cfg.heads, (d / cfg.heads) ** -0.5, maskV), d, d));
        });
        const y = add(x, a);
        const h2 = b.scope('layer_norm2', () => b.layerNorm(y, d, cfg.eps));
        const z = b.scope('mlp.fc1', () => b.linear(h2, d, cfg.intermediate));
        const m = b.scope('mlp.fc2', () => b.linear(cfg.act === 'gelu' ? gelu(z) : quickGelu(z), cfg.intermediate, d));
        return add(y, m);
      });
    }
    x = b.scope('final_layer_norm', () => b.layerNorm(x, d, cfg.eps));
    return x;
  });
  g.output(out, 'last_hidden_state');
  return g;
}
