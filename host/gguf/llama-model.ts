/**
 * Lays out a llama-architecture GGUF: the metadata llama.cpp reads and the tensor set it
 * expects (names and ggml shapes from llama.cpp's llama model loader). Weights come from a
 * caller-supplied source per tensor, so presets can be random or hand-set.
 */

import { FILE_TYPES, GgmlType, GGML_TYPE_INFO, QUANT_TYPES, type QuantName } from './ggml-types.js';
import { GgufValueType, GgufWriter, type TensorSource } from './writer.js';
import type { Vocab } from './vocab.js';

export interface LlamaShape {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  nCtx: number;
}

export interface SpecialTokens {
  bos: number;
  eos: number;
  unk: number;
  pad?: number;
  eot?: number;
}

export interface LlamaModelSpec {
  name: string;
  shape: LlamaShape;
  vocab: Vocab;
  special: SpecialTokens;
  addBos: boolean;
  addSpacePrefix: boolean;
  chatTemplate?: string;
  rmsEps?: number;
  ropeFreqBase?: number;
  quant: QuantName;
  /** Weights for one tensor, by GGUF name and ggml dims (dims[0] = row length). */
  tensor: (name: string, dims: readonly number[]) => TensorSource;
}

/** The type a tensor is stored as: 1-D tensors (norms) stay F32; matrices use the quant when rows allow. */
export function storageType(dims: readonly number[], quant: QuantName): GgmlType {
  if (dims.length === 1) return GgmlType.F32;
  const t = QUANT_TYPES[quant];
  return dims[0]! % GGML_TYPE_INFO[t].blockSize === 0 ? t : GgmlType.F16;
}

/** The tensor names and shapes of a llama model, in file order. */
export function llamaTensorShapes(shape: LlamaShape, nVocab: number): Array<[string, number[]]> {
  const { nLayer, nEmbd, nHead, nHeadKv, nFf } = shape;
  const headDim = nEmbd / nHead;
  const kvDim = headDim * nHeadKv;
  const out: Array<[string, number[]]> = [['token_embd.weight', [nEmbd, nVocab]]];
  for (let i = 0; i < nLayer; i++) {
    out.push(
      [`blk.${i}.attn_norm.weight`, [nEmbd]],
      [`blk.${i}.attn_q.weight`, [nEmbd, nEmbd]],
      [`blk.${i}.attn_k.weight`, [nEmbd, kvDim]],
      [`blk.${i}.attn_v.weight`, [nEmbd, kvDim]],
      [`blk.${i}.attn_output.weight`, [nEmbd, nEmbd]],
      [`blk.${i}.ffn_norm.weight`, [nEmbd]],
      [`blk.${i}.ffn_gate.weight`, [nEmbd, nFf]],
      [`blk.${i}.ffn_up.weight`, [nEmbd, nFf]],
      [`blk.${i}.ffn_down.weight`, [nFf, nEmbd]],
    );
  }
  out.push(['output_norm.weight', [nEmbd]], ['output.weight', [nEmbd, nVocab]]);
  return out;
}

export function llamaWriter(spec: LlamaModelSpec): GgufWriter {
  const { shape, vocab, special } = spec;
  if (shape.nEmbd % shape.nHead !== 0) throw new Error('width must be a multiple of the head count');
  if (shape.nHead % shape.nHeadKv !== 0) throw new Error('head count must be a multiple of the kv head count');
  const w = new GgufWriter();
  w.setString('general.architecture', 'llama')
    .setString('general.name', spec.name)
    .setU32('general.file_type', FILE_TYPES[spec.quant])
    .setU32('general.quantization_version', 2)
    .setU32('llama.context_length', shape.nCtx)
    .setU32('llama.embedding_length', shape.nEmbd)
    .setU32('llama.block_count', shape.nLayer)
    .setU32('llama.feed_forward_length', shape.nFf)
    .setU32('llama.attention.head_count', shape.nHead)
    .setU32('llama.attention.head_count_kv', shape.nHeadKv)
    .setU32('llama.rope.dimension_count', shape.nEmbd / shape.nHead)
    .setF32('llama.rope.freq_base', spec.ropeFreqBase ?? 10000)
    .setF32('llama.attention.layer_norm_rms_epsilon', spec.rmsEps ?? 1e-5)
    .setU32('llama.vocab_size', vocab.tokens.length)
    .setString('tokenizer.ggml.model', 'llama')
    .setArray('tokenizer.ggml.tokens', GgufValueType.STRING, vocab.tokens)
    .setArray('tokenizer.ggml.scores', GgufValueType.FLOAT32, vocab.scores)
    .setArray('tokenizer.ggml.token_type', GgufValueType.INT32, vocab.types)
    .setU32('tokenizer.ggml.bos_token_id', special.bos)
    .setU32('tokenizer.ggml.eos_token_id', special.eos)
    .setU32('tokenizer.ggml.unknown_token_id', special.unk)
    .setBool('tokenizer.ggml.add_bos_token', spec.addBos)
    .setBool('tokenizer.ggml.add_eos_token', false)
    .setBool('tokenizer.ggml.add_space_prefix', spec.addSpacePrefix);
  if (special.pad !== undefined) w.setU32('tokenizer.ggml.padding_token_id', special.pad);
  if (special.eot !== undefined) w.setU32('tokenizer.ggml.eot_token_id', special.eot);
  if (spec.chatTemplate !== undefined) w.setString('tokenizer.chat_template', spec.chatTemplate);

  for (const [name, dims] of llamaTensorShapes(shape, vocab.tokens.length)) {
    w.addTensor({ name, dims, type: storageType(dims, spec.quant), data: spec.tensor(name, dims) });
  }
  return w;
}
