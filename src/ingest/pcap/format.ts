/**
 * Capture format from the first bytes, never from the file name: the pcap magics in either byte
 * order (draft-ietf-opsawg-pcap) or the pcapng Section Header Block type (draft-ietf-opsawg-pcapng).
 */
import type { CaptureFormat } from './types.js';

const PCAP_MAGICS: ReadonlySet<number> = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]);
const PCAPNG_SHB = 0x0a0d0d0a;

export function detectCaptureFormat(head: Uint8Array): CaptureFormat | undefined {
  if (head.length < 4) return undefined;
  const magic = Buffer.from(head.buffer, head.byteOffset, 4).readUInt32BE(0);
  if (PCAP_MAGICS.has(magic)) return 'pcap';
  if (magic === PCAPNG_SHB) return 'pcapng';
  return undefined;
}

/** `0x7b22666c` or `empty` for the message of a file that is not a capture. */
export function describeMagic(head: Uint8Array): string {
  if (head.length === 0) return 'empty file';
  const n = Math.min(4, head.length);
  let hex = '';
  for (let i = 0; i < n; i++) hex += (head[i] ?? 0).toString(16).padStart(2, '0');
  return `magic 0x${hex}`;
}
