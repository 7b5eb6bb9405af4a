#!/usr/bin/env node
/**
 * Installs a multilingual sentence-embedding model for the menu chatbot, on a machine with internet
 * (the server itself never downloads anything). Writes DEST/<org>/<name>/{config.json, tokenizer.json,
 * tokenizer_config.json, onnx/model_quantized.onnx} and prints the EMBED_MODEL_DIR to use.
 *
 *   node scripts/install-embed-model.mjs [DEST=./models] [MODEL=Xenova/multilingual-e5-small]
 *
 * Recommended: Xenova/multilingual-e5-small (Spanish and English, 384 dims, about 120 MB quantized).
 * Also works: Xenova/paraphrase-multilingual-MiniLM-L12-v2. HF_BASE points at a mirror if needed.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const dest = resolve(process.argv[2] ?? './models');
const model = process.argv[3] ?? 'Xenova/multilingual-e5-small';
const base = (process.env.HF_BASE ?? 'https://huggingface.co').replace(/\/+$/, '');
if (!/^[\w.-]+\/[\w.-]+$/.test(model)) throw new Error(`MODEL must look like org/name, not ${model}`);

const dir = join(dest, model);
const required = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
// The quantized weights first (4x smaller, same answers for retrieval); full precision if there are none.
const weights = ['onnx/model_quantized.onnx', 'onnx/model.onnx'];

async function download(file) {
  const target = join(dir, file);
  if (existsSync(target) && statSync(target).size > 0) return true;
  const url = `${base}/${model}/resolve/main/${file}`;
  const res = await fetch(url);
  if (!res.ok) return false;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, Buffer.from(await res.arrayBuffer()));
  console.log(`  ${file} (${Math.round(statSync(target).size / 1024)} KB)`);
  return true;
}

console.log(`Installing ${model} into ${dir}`);
for (const f of required) if (!(await download(f))) throw new Error(`could not download ${f} of ${model}`);
let got = false;
for (const w of weights) if (!got) got = await download(w);
if (!got) throw new Error(`no ONNX weights found for ${model} (tried ${weights.join(', ')})`);
console.log(`Done. Start the server with EMBED_MODEL_DIR=${dest}`);
