/**
 * Address text for new flows, with a small direct-mapped cache: the same servers and clients open
 * flow after flow, so most new flows find their address text here instead of formatting (and
 * allocating) it again. 4096 entries keyed by the address words; a collision just replaces.
 */
import { formatAddress } from '../ingest/decode/address.js';

const SIZE = 4096;

export class AddressTextCache {
  /** Per entry: version, then the four 32-bit words (IPv4 uses the first). */
  private readonly keys = new Int32Array(SIZE * 5);
  private readonly texts: Array<string | undefined> = new Array<string | undefined>(SIZE).fill(undefined);

  text(buf: Buffer, off: number, version: 4 | 6): string {
    const w0 = buf.readInt32BE(off);
    let w1 = 0;
    let w2 = 0;
    let w3 = 0;
    if (version === 6) {
      w1 = buf.readInt32BE(off + 4);
      w2 = buf.readInt32BE(off + 8);
      w3 = buf.readInt32BE(off + 12);
    }
    let h = Math.imul(w0 ^ Math.imul(w1, 0x9e3779b1) ^ Math.imul(w2, 0x85ebca6b) ^ Math.imul(w3, 0xc2b2ae35), 0x27d4eb2f);
    h = (h ^ (h >>> 15)) & (SIZE - 1);
    const k = h * 5;
    const keys = this.keys;
    const cached = this.texts[h];
    if (cached !== undefined && keys[k] === version && keys[k + 1] === w0 && keys[k + 2] === w1 && keys[k + 3] === w2 && keys[k + 4] === w3) return cached;
    const text = formatAddress(buf, off, version);
    keys[k] = version;
    keys[k + 1] = w0;
    keys[k + 2] = w1;
    keys[k + 3] = w2;
    keys[k + 4] = w3;
    this.texts[h] = text;
    return text;
  }
}
