/**
 * Sentence embeddings with @huggingface/transformers from a local model directory (EMBED_MODEL_DIR),
 * never downloaded: remote models are switched off before anything loads.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface Embedder {
  /** The model's name as stored next to each embedding (a change of model re-embeds everything). */
  model: string;
  dims: number;
  embed(texts: string[], kind: 'query' | 'passage'): Promise<number[][]>;
}

/** Where the model is: DIR itself, or DIR/<name>, or DIR/<org>/<name> (the layout transformers.js uses). */
export function findModel(dir: string): { root: string; id: string } | null {
  const abs = resolve(dir);
  if (existsSync(join(abs, 'config.json'))) return { root: dirname(abs), id: basename(abs) };
  const subdirs = (p: string) =>
    existsSync(p)
      ? readdirSync(p)
          .filter((n) => statSync(join(p, n)).isDirectory())
          .sort()
      : [];
  for (const a of subdirs(abs)) {
    if (existsSync(join(abs, a, 'config.json'))) return { root: abs, id: a };
    for (const b of subdirs(join(abs, a)))
      if (existsSync(join(abs, a, b, 'config.json'))) return { root: abs, id: `${a}/${b}` };
  }
  return null;
}

/** Loads the model under `dir`, or explains why not (the chatbot then runs on full-text retrieval). */
export async function loadEmbedder(dir: string): Promise<Embedder | { error: string }> {
  const found = findModel(dir);
  if (!found) return { error: `no model (config.json) under ${dir}` };
  const modelDir = join(found.root, found.id);
  if (!existsSync(join(modelDir, 'tokenizer.json'))) return { error: `${modelDir} has no tokenizer.json` };
  const quantized = existsSync(join(modelDir, 'onnx', 'model_quantized.onnx'));
  if (!quantized && !existsSync(join(modelDir, 'onnx', 'model.onnx')))
    return { error: `${modelDir} has neither onnx/model.onnx nor onnx/model_quantized.onnx` };
  try {
    const { env, pipeline } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = `${found.root}/`;
    const extract = await pipeline('feature-extraction', found.id, {
      dtype: quantized ? 'q8' : 'fp32',
      device: 'cpu',
    });
    // E5 models were trained with these prefixes; without them their similarities are off.
    const e5 = /e5/i.test(found.id);
    const run = async (texts: string[], kind: 'query' | 'passage') => {
      const input = e5 ? texts.map((t) => `${kind}: ${t}`) : texts;
      const out = await extract(input, { pooling: 'mean', normalize: true });
      return out.tolist() as number[][];
    };
    const [probe] = await run(['prueba'], 'query');
    return { model: found.id, dims: probe?.length ?? 0, embed: run };
  } catch (err) {
    return { error: `could not load ${modelDir}: ${(err as Error).message}` };
  }
}

/** pgvector's text form of a vector. */
export const vectorLiteral = (v: number[]) => `[${v.map((x) => (Number.isFinite(x) ? x : 0)).join(',')}]`;

/** Cosine similarity of two normalized vectors (the fallback ranking without pgvector). */
export function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length && i < b.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
