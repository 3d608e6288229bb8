/**
 * Lays out a BERT-architecture GGUF (an encoder for embeddings), with the metadata and
 * tensor set of llama.cpp's bert loader: token/position/token-type embeddings, an embedding
 * LayerNorm, and per layer Q/K/V/output projections with biases, post-attention LayerNorm,
 * an up/down FFN with biases and the output LayerNorm.
 */

import { FILE_TYPES, type QuantName } from './ggml-types.js';
import { storageType } from './llama-model.js';
import { GgufValueType, GgufWriter, type TensorSource } from './writer.js';
import type { Vocab } from './vocab.js';

export interface BertShape {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nFf: number;
  nCtx: number;
}

/** llama.cpp's enum llama_pooling_type. */
export enum PoolingType {
  NONE = 0,
  MEAN = 1,
  CLS = 2,
  LAST = 3,
}

export interface BertModelSpec {
  name: string;
  shape: BertShape;
  vocab: Vocab;
  special: { pad: number; unk: number; cls: number; sep: number; mask: number };
  pooling: PoolingType;
  layerNormEps?: number;
  quant: QuantName;
  tensor: (name: string, dims: readonly number[]) => TensorSource;
}

export function bertTensorShapes(shape: BertShape, nVocab: number): Array<[string, number[]]> {
  const { nLayer, nEmbd, nFf, nCtx } = shape;
  const out: Array<[string, number[]]> = [
    ['token_embd.weight', [nEmbd, nVocab]],
    ['token_types.weight', [nEmbd, 2]],
    ['position_embd.weight', [nEmbd, nCtx]],
    ['token_embd_norm.weight', [nEmbd]],
    ['token_embd_norm.bias', [nEmbd]],
  ];
  for (let i = 0; i < nLayer; i++) {
    out.push(
      [`blk.${i}.attn_q.weight`, [nEmbd, nEmbd]],
      [`blk.${i}.attn_q.bias`, [nEmbd]],
      [`blk.${i}.attn_k.weight`, [nEmbd, nEmbd]],
      [`blk.${i}.attn_k.bias`, [nEmbd]],
      [`blk.${i}.attn_v.weight`, [nEmbd, nEmbd]],
      [`blk.${i}.attn_v.bias`, [nEmbd]],
      [`blk.${i}.attn_output.weight`, [nEmbd, nEmbd]],
      [`blk.${i}.attn_output.bias`, [nEmbd]],
      [`blk.${i}.attn_output_norm.weight`, [nEmbd]],
      [`blk.${i}.attn_output_norm.bias`, [nEmbd]],
      [`blk.${i}.ffn_up.weight`, [nEmbd, nFf]],
      [`blk.${i}.ffn_up.bias`, [nFf]],
      [`blk.${i}.ffn_down.weight`, [nFf, nEmbd]],
      [`blk.${i}.ffn_down.bias`, [nEmbd]],
      [`blk.${i}.layer_output_norm.weight`, [nEmbd]],
      [`blk.${i}.layer_output_norm.bias`, [nEmbd]],
    );
  }
  return out;
}

export function bertWriter(spec: BertModelSpec): GgufWriter {
  const { shape, vocab, special } = spec;
  const w = new GgufWriter();
  w.setString('general.architecture', 'bert')
    .setString('general.name', spec.name)
    .setU32('general.file_type', FILE_TYPES[spec.quant])
    .setU32('general.quantization_version', 2)
    .setU32('bert.context_length', shape.nCtx)
    .setU32('bert.embedding_length', shape.nEmbd)
    .setU32('bert.block_count', shape.nLayer)
    .setU32('bert.feed_forward_length', shape.nFf)
    .setU32('bert.attention.head_count', shape.nHead)
    .setF32('bert.attention.layer_norm_epsilon', spec.layerNormEps ?? 1e-12)
    .setBool('bert.attention.causal', false)
    .setU32('bert.pooling_type', spec.pooling)
    .setString('tokenizer.ggml.model', 'bert')
    .setU32('tokenizer.ggml.token_type_count', 2)
    .setArray('tokenizer.ggml.tokens', GgufValueType.STRING, vocab.tokens)
    .setArray('tokenizer.ggml.scores', GgufValueType.FLOAT32, vocab.scores)
    .setArray('tokenizer.ggml.token_type', GgufValueType.INT32, vocab.types)
    .setU32('tokenizer.ggml.padding_token_id', special.pad)
    .setU32('tokenizer.ggml.unknown_token_id', special.unk)
    .setU32('tokenizer.ggml.bos_token_id', special.cls)
    .setU32('tokenizer.ggml.cls_token_id', special.cls)
    // sic: llama.cpp spells the separator key "seperator"
    .setU32('tokenizer.ggml.seperator_token_id', special.sep)
    .setU32('tokenizer.ggml.mask_token_id', special.mask)
    .setBool('tokenizer.ggml.add_bos_token', true)
    .setBool('tokenizer.ggml.add_eos_token', false)
    .setBool('tokenizer.ggml.normalizer.lowercase', true);
  for (const [name, dims] of bertTensorShapes(shape, vocab.tokens.length)) {
    w.addTensor({ name, dims, type: storageType(dims, spec.quant), data: spec.tensor(name, dims) });
  }
  return w;
}
