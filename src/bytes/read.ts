/**
 * Integer reads for the per-packet hot path: plain index arithmetic, which V8 inlines, where
 * Buffer's readUInt* methods validate their argument on every call. The caller has already
 * checked the length; a byte past the end reads as 0, so a missed check yields a wrong value,
 * never an exception. Record-level parsing uses ByteCursor (cursor.ts) instead.
 */

export function u8(b: Uint8Array, i: number): number {
  return b[i] ?? 0;
}

export function u16be(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
}

export function u16le(b: Uint8Array, i: number): number {
  return (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
}

export function u32be(b: Uint8Array, i: number): number {
  return (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
}

export function u32le(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24)) >>> 0;
}

/** 16 or 32 bits in the byte order of the file section being read. */
export function u16(b: Uint8Array, i: number, littleEndian: boolean): number {
  return littleEndian ? u16le(b, i) : u16be(b, i);
}

export function u32(b: Uint8Array, i: number, littleEndian: boolean): number {
  return littleEndian ? u32le(b, i) : u32be(b, i);
}
