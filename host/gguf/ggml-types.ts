/** The ggml tensor types this writer can produce, with their on-disk block layout. */

export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q8_0 = 8,
}

export interface GgmlTypeInfo {
  /** Elements per block. */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
}

export const GGML_TYPE_INFO: Readonly<Record<GgmlType, GgmlTypeInfo>> = {
  [GgmlType.F32]: { blockSize: 1, typeSize: 4 },
  [GgmlType.F16]: { blockSize: 1, typeSize: 2 },
  [GgmlType.Q4_0]: { blockSize: 32, typeSize: 2 + 16 },
  [GgmlType.Q8_0]: { blockSize: 32, typeSize: 2 + 32 },
};

/** Bytes taken by `elements` values of `type` (elements must be a multiple of the block size). */
export function ggmlBytes(type: GgmlType, elements: number): number {
  const { blockSize, typeSize } = GGML_TYPE_INFO[type];
  if (elements % blockSize !== 0) {
    throw new Error(`${GgmlType[type]} needs a multiple of ${blockSize} elements, got ${elements}`);
  }
  return (elements / blockSize) * typeSize;
}

export type QuantName = 'f32' | 'f16' | 'q8_0' | 'q4_0';

export const QUANT_TYPES: Readonly<Record<QuantName, GgmlType>> = {
  f32: GgmlType.F32,
  f16: GgmlType.F16,
  q8_0: GgmlType.Q8_0,
  q4_0: GgmlType.Q4_0,
};

/** llama.cpp's `general.file_type` (enum llama_ftype) for a file whose weights are mostly `quant`. */
export const FILE_TYPES: Readonly<Record<QuantName, number>> = {
  f32: 0, // LLAMA_FTYPE_ALL_F32
  f16: 1, // LLAMA_FTYPE_MOSTLY_F16
  q4_0: 2, // LLAMA_FTYPE_MOSTLY_Q4_0
  q8_0: 7, // LLAMA_FTYPE_MOSTLY_Q8_0
};

export function isQuantName(value: string): value is QuantName {
  return Object.prototype.hasOwnProperty.call(QUANT_TYPES, value);
}
