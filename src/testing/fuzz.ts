/**
 * A small mutation fuzzer (after AFL's "havoc" stage and libFuzzer's mutators), for the project's
 * own fuzz targets (fuzz-targets.ts), the fixed-seed run in the test suite and `npm run fuzz`.
 *
 * - A seeded PRNG (mulberry32), so every input is reproducible from (seed, iteration): the input
 *   of iteration i is built from a generator seeded with `mixSeed(seed, i)` alone, never from the
 *   iterations before it, and `inputFor` rebuilds it after a crash or a hang.
 * - Byte mutations: bit flips, bytes/words set to boundary values (0, 0x7f, 0x80, 0xff, 0xffff,
 *   0x7fffffff, 0x80000000, 0xffffffff, small lengths), small arithmetic, random bytes, truncation,
 *   insertion and deletion of ranges, duplicated ranges, splicing with another seed.
 * - Structure-aware mutations: the length fields of pcap records and pcapng blocks and options
 *   (found by walking the seed) set to boundary values, off-by-one values, zero, or past the end
 *   of the file; text lines (for log formats) changed at the token level.
 * - A runner that calls a target on each input, treats any exception as a crash (targets catch
 *   the whole-input errors they document themselves), times every input and flags inputs that take
 *   longer than a bound proportional to their size.
 *
 * No file system access here: the callers give seeds and save reproducers.
 */

/** mulberry32: a 32-bit seeded generator, small and good enough for mutation choices. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in [0, n) (0 when n <= 0). */
  below(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.below(items.length)] as T;
  }

  /** A length skewed towards small values (most interesting bugs need few bytes). */
  smallLength(max: number): number {
    const r = this.float();
    return Math.min(max, Math.floor(r * r * r * (max + 1)));
  }
}

/** The seed of iteration `i` of a run seeded with `seed` (splitmix-style mixing). */
export function mixSeed(seed: number, i: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

export const INTERESTING_8: readonly number[] = [0, 1, 0x10, 0x20, 0x40, 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff];
export const INTERESTING_16: readonly number[] = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x3ff, 0x400, 0x5dc, 0x5dd, 0x7fff, 0x8000, 0xfffe, 0xffff];
export const INTERESTING_32: readonly number[] = [
  0, 1, 4, 12, 16, 28, 32, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x40000, 0x40001, 0x1000000, 0x7ffffffe, 0x7fffffff, 0x80000000, 0xfffffffc,
  0xfffffffe, 0xffffffff,
];

/** A length or count field inside a seed, for structure-aware mutation. */
export interface LengthField {
  offset: number;
  size: 2 | 4;
  bigEndian: boolean;
}

export interface MutateOptions {
  /** Longest input produced (default 64 KiB). */
  maxLength?: number;
  /** Other seeds to splice from. */
  others?: readonly Buffer[];
  /** Length fields of the seed (pcapLengthFields): mutated with boundary values some of the time. */
  lengthFields?: readonly LengthField[];
  /** Most stacked mutations (default 8). */
  maxStack?: number;
}

function readField(b: Buffer, f: LengthField): number {
  if (f.offset + f.size > b.length) return 0;
  if (f.size === 2) return f.bigEndian ? b.readUInt16BE(f.offset) : b.readUInt16LE(f.offset);
  return f.bigEndian ? b.readUInt32BE(f.offset) : b.readUInt32LE(f.offset);
}

function writeField(b: Buffer, f: LengthField, v: number): void {
  if (f.offset + f.size > b.length) return;
  if (f.size === 2) {
    if (f.bigEndian) b.writeUInt16BE(v & 0xffff, f.offset);
    else b.writeUInt16LE(v & 0xffff, f.offset);
  } else if (f.bigEndian) b.writeUInt32BE(v >>> 0, f.offset);
  else b.writeUInt32LE(v >>> 0, f.offset);
}

/** Corrupts one length field: boundary values, off by one or four, doubled, pointing past the end. */
function corruptLength(rng: Prng, b: Buffer, f: LengthField): void {
  const v = readField(b, f);
  const left = b.length - f.offset;
  const choices = [0, 1, 2, 3, 4, v - 1, v + 1, v - 4, v + 4, v * 2, v >>> 1, left, left + 4, left + 1024, f.size === 2 ? 0xffff : 0xffffffff];
  const pick = rng.chance(0.3) ? rng.pick(f.size === 2 ? INTERESTING_16 : INTERESTING_32) : rng.pick(choices);
  writeField(b, f, pick < 0 ? 0 : pick);
}

/** One havoc mutation of `b` (which may be replaced: returns the result). */
function mutateOnce(rng: Prng, b: Buffer, o: MutateOptions, maxLength: number): Buffer {
  const n = b.length;
  const op = rng.below(16);
  switch (op) {
    case 0: // bit flip
      if (n > 0) {
        const at = rng.below(n);
        b[at] = (b[at] ?? 0) ^ (1 << rng.below(8));
      }
      return b;
    case 1: // byte set to a boundary value
      if (n > 0) b[rng.below(n)] = rng.pick(INTERESTING_8);
      return b;
    case 2: // random byte
      if (n > 0) b[rng.below(n)] = rng.below(256);
      return b;
    case 3: // 16-bit boundary value, either byte order
      if (n >= 2) {
        const at = rng.below(n - 1);
        const v = rng.pick(INTERESTING_16);
        if (rng.chance(0.5)) b.writeUInt16BE(v, at);
        else b.writeUInt16LE(v, at);
      }
      return b;
    case 4: // 32-bit boundary value, either byte order
      if (n >= 4) {
        const at = rng.below(n - 3);
        const v = rng.pick(INTERESTING_32);
        if (rng.chance(0.5)) b.writeUInt32BE(v, at);
        else b.writeUInt32LE(v, at);
      }
      return b;
    case 5: // small arithmetic on a byte
      if (n > 0) {
        const at = rng.below(n);
        b[at] = ((b[at] ?? 0) + rng.between(-35, 35)) & 0xff;
      }
      return b;
    case 6: // truncation
      return b.subarray(0, rng.below(n + 1));
    case 7: {
      // delete a range
      if (n === 0) return b;
      const at = rng.below(n);
      const len = 1 + rng.smallLength(Math.min(n - at, 256) - 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
    }
    case 8: {
      // insert random bytes
      const len = 1 + rng.smallLength(63);
      if (n + len > maxLength) return b;
      const ins = Buffer.alloc(len);
      for (let i = 0; i < len; i++) ins[i] = rng.below(256);
      const at = rng.below(n + 1);
      return Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
    }
    case 9: {
      // insert a run of one boundary byte (long runs find missing length checks)
      const len = 1 + rng.smallLength(rng.chance(0.1) ? 4095 : 127);
      if (n + len > maxLength) return b;
      const at = rng.below(n + 1);
      return Buffer.concat([b.subarray(0, at), Buffer.alloc(len, rng.pick(INTERESTING_8)), b.subarray(at)]);
    }
    case 10: {
      // duplicate a range in place
      if (n === 0) return b;
      const from = rng.below(n);
      const len = 1 + rng.smallLength(Math.min(n - from, 512) - 1);
      if (n + len > maxLength) return b;
      const at = rng.below(n + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(from, from + len), b.subarray(at)]);
    }
    case 11: {
      // overwrite with a copy of another range
      if (n < 2) return b;
      const from = rng.below(n);
      const to = rng.below(n);
      const len = 1 + rng.smallLength(Math.min(n - from, n - to, 256) - 1);
      b.copy(b, to, from, from + len);
      return b;
    }
    case 12:
    case 13: {
      // splice: head of this, tail of another seed
      const others = o.others ?? [];
      if (others.length === 0) return b;
      const other = rng.pick(others);
      const cut = rng.below(n + 1);
      const from = rng.below(other.length + 1);
      const out = Buffer.concat([b.subarray(0, cut), other.subarray(from)]);
      return out.length > maxLength ? out.subarray(0, maxLength) : out;
    }
    default: {
      // a length field (when the seed's structure is known), else a 32-bit boundary value
      const fields = o.lengthFields ?? [];
      if (fields.length > 0) corruptLength(rng, b, rng.pick(fields));
      else if (n >= 4) b.writeUInt32LE(rng.pick(INTERESTING_32), rng.below(n - 3));
      return b;
    }
  }
}

/** Stacked havoc mutations of a copy of `seed`. */
export function mutateBytes(rng: Prng, seed: Buffer, o: MutateOptions = {}): Buffer {
  const maxLength = o.maxLength ?? 64 * 1024;
  let b: Buffer = Buffer.from(seed.subarray(0, maxLength));
  const stack = 1 + rng.below(o.maxStack ?? 8);
  // Length-field-only rounds keep the rest of the structure intact, so the reader gets far.
  if ((o.lengthFields?.length ?? 0) > 0 && rng.chance(0.25)) {
    const fields = o.lengthFields ?? [];
    for (let i = 0; i < 1 + rng.below(2); i++) corruptLength(rng, b, rng.pick(fields));
    return b;
  }
  for (let i = 0; i < stack; i++) b = mutateOnce(rng, b, o, maxLength);
  return b;
}

/** Random bytes, length skewed small. */
export function randomBytes(rng: Prng, maxLength: number): Buffer {
  const n = rng.smallLength(maxLength);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.below(256);
  return b;
}

/** Splits a buffer into chunks at random places (framing must not depend on where chunks end). */
export function splitChunks(rng: Prng, buf: Buffer, maxChunks = 8): Buffer[] {
  if (buf.length === 0) return rng.chance(0.5) ? [] : [buf];
  const mode = rng.below(4);
  if (mode === 0) return [buf];
  if (mode === 1) {
    // many tiny chunks (1 to 3 bytes) for short inputs: every boundary at once
    if (buf.length <= 4096) {
      const out: Buffer[] = [];
      for (let p = 0; p < buf.length; ) {
        const len = 1 + rng.below(3);
        out.push(buf.subarray(p, p + len));
        p += len;
      }
      return out;
    }
  }
  const cuts = new Set<number>();
  const k = 1 + rng.below(maxChunks);
  for (let i = 0; i < k; i++) cuts.add(rng.below(buf.length + 1));
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let p = 0;
  for (const c of sorted) {
    out.push(buf.subarray(p, c));
    p = c;
  }
  out.push(buf.subarray(p));
  // Empty chunks are legal in a stream; keep a few.
  return out.filter((c) => c.length > 0 || rng.chance(0.2));
}

/** An async iterable over chunks (what OpenedInput.chunks() gives). */
export async function* chunksOf(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  for (const c of chunks) yield c;
}

// ---------------------------------------------------------------------------------------------
// pcap / pcapng structure

const PCAP_MAGICS: ReadonlyMap<number, boolean> = new Map([
  [0xa1b2c3d4, true],
  [0xa1b23c4d, true],
  [0xd4c3b2a1, false],
  [0x4d3cb2a1, false],
]);

/**
 * The length fields of a capture: classic pcap snaplen and each record's captured and original
 * length; pcapng block total lengths (both copies), section length, versions, IDB snaplen and link
 * type, EPB/PB/SPB captured and original lengths, and every option length. Stops where the walk
 * would leave the buffer.
 */
export function pcapLengthFields(buf: Buffer): LengthField[] {
  const out: LengthField[] = [];
  if (buf.length < 4) return out;
  const magicBe = buf.readUInt32BE(0);
  const classic = PCAP_MAGICS.get(magicBe);
  if (classic !== undefined) {
    const be = classic;
    out.push({ offset: 4, size: 2, bigEndian: be }, { offset: 6, size: 2, bigEndian: be }, { offset: 16, size: 4, bigEndian: be }, { offset: 20, size: 4, bigEndian: be });
    let p = 24;
    for (let i = 0; i < 10_000 && p + 16 <= buf.length; i++) {
      out.push({ offset: p + 8, size: 4, bigEndian: be }, { offset: p + 12, size: 4, bigEndian: be });
      const cap = be ? buf.readUInt32BE(p + 8) : buf.readUInt32LE(p + 8);
      p += 16 + cap;
    }
    return out;
  }
  if (magicBe !== 0x0a0d0d0a) return out;
  let be = false;
  let p = 0;
  for (let i = 0; i < 10_000 && p + 12 <= buf.length; i++) {
    const type = buf.readUInt32LE(p) === 0x0a0d0d0a ? 0x0a0d0d0a : be ? buf.readUInt32BE(p) : buf.readUInt32LE(p);
    if (type === 0x0a0d0d0a) {
      if (p + 12 > buf.length) break;
      be = buf.readUInt32BE(p + 8) === 0x1a2b3c4d;
      out.push({ offset: p + 12, size: 2, bigEndian: be }, { offset: p + 14, size: 2, bigEndian: be }, { offset: p + 16, size: 4, bigEndian: be });
    }
    const len = be ? buf.readUInt32BE(p + 4) : buf.readUInt32LE(p + 4);
    out.push({ offset: p + 4, size: 4, bigEndian: be });
    if (len < 12 || p + len > buf.length) break;
    out.push({ offset: p + len - 4, size: 4, bigEndian: be });
    let opts = -1;
    switch (type) {
      case 0x0a0d0d0a:
        opts = p + 24;
        break;
      case 1: // IDB: link type, snaplen
        out.push({ offset: p + 8, size: 2, bigEndian: be }, { offset: p + 12, size: 4, bigEndian: be });
        opts = p + 16;
        break;
      case 2:
      case 6: {
        // PB / EPB: captured and original length
        out.push({ offset: p + 20, size: 4, bigEndian: be }, { offset: p + 24, size: 4, bigEndian: be });
        const cap = p + 24 <= buf.length ? (be ? buf.readUInt32BE(p + 20) : buf.readUInt32LE(p + 20)) : 0;
        opts = p + 28 + ((cap + 3) & ~3);
        break;
      }
      case 3:
        out.push({ offset: p + 8, size: 4, bigEndian: be });
        break;
      case 5:
        opts = p + 20;
        break;
      default:
        break;
    }
    // Options: code (2) | length (2) | value padded to 4, ending at code 0.
    for (let q = opts; q >= 0 && q + 4 <= p + len - 4; ) {
      out.push({ offset: q + 2, size: 2, bigEndian: be });
      const code = be ? buf.readUInt16BE(q) : buf.readUInt16LE(q);
      const olen = be ? buf.readUInt16BE(q + 2) : buf.readUInt16LE(q + 2);
      if (code === 0) break;
      q += 4 + ((olen + 3) & ~3);
    }
    p += len;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// text (log lines, JSON)

/** Tokens that log parsers split on or look for, and hostile text. */
export const TEXT_DICTIONARY: readonly string[] = [
  ' ', '=', '"', "'", ',', ':', ';', '|', '[', ']', '{', '}', '(', ')', '<', '>', '\\', '/', '.', '-', '\t', '\r', '\n', '\0',
  'SRC=', 'DST=', 'PROTO=', 'SPT=', 'DPT=', 'TCP', 'UDP', 'ICMP', 'SYN ', 'ACK ', 'LEN=', 'TYPE=', 'CODE=', '[SRC=',
  '%ASA-6-302013: ', '%ASA-4-106023: ', 'src=', 'dst=', 'srcport=', 'dstport=', 'action=', 'deny', 'accept', 'DENY', 'ACCEPT',
  'RT_FLOW_SESSION_CREATE', 'RT_FLOW_SESSION_DENY', 'filterlog', 'TRAFFIC', 'id=firewall', 'proto=', '#Fields:', '#fields', '#separator',
  '"records":', '"flows":', '"flowTuples":', '"jsonPayload":', '"connection":', '"disposition":', 'DENIED', 'ALLOWED',
  '255.255.255.255', '0.0.0.0', '::', 'ffff::ffff:ffff', '::ffff:1.2.3.4', '999.1.1.1', '1.2.3', '[::1]', 'fe80::1%eth0',
  '65535', '65536', '-1', '0', '4294967296', '99999999999999999999', '1e308', 'NaN', 'Infinity', '0x10', '007', '1.5', '-0',
  '2024-02-30T25:61:61Z', 'Jan 32 99:99:99', '<script>alert(1)</script>', '\u001b[31m', '\u001b]0;x\u0007', '\u202e', '\u00ff',
  '\ud800', '\uffff', '=HYPERLINK("x")', '@SUM(A1)', '+1', '${jndi:x}', '%s%n', '\\u0000',
];

/** One text mutation of a line: token insertions and replacements, numbers set to boundary values. */
export function mutateLine(rng: Prng, line: string, others: readonly string[] = []): string {
  const n = line.length;
  switch (rng.below(10)) {
    case 0: {
      // replace one number by another
      const nums = [...line.matchAll(/\d+/g)];
      if (nums.length === 0) return line + rng.pick(TEXT_DICTIONARY);
      const m = rng.pick(nums);
      const at = m.index;
      const repl = rng.pick(['0', '-1', '65535', '65536', '256', '4294967295', '4294967296', '99999999999999999999999', '1e400', '', 'x']);
      return line.slice(0, at) + repl + line.slice(at + m[0].length);
    }
    case 1: {
      const at = rng.below(n + 1);
      return line.slice(0, at) + rng.pick(TEXT_DICTIONARY) + line.slice(at);
    }
    case 2: {
      // delete a range
      const at = rng.below(n + 1);
      return line.slice(0, at) + line.slice(at + 1 + rng.smallLength(40));
    }
    case 3: {
      // duplicate a range
      const at = rng.below(n + 1);
      const len = 1 + rng.smallLength(80);
      return line.slice(0, at) + line.slice(at, at + len) + line.slice(at);
    }
    case 4: {
      // replace a "word" (run of non-space)
      const words = [...line.matchAll(/[^ ,;|]+/g)];
      if (words.length === 0) return rng.pick(TEXT_DICTIONARY);
      const m = rng.pick(words);
      return line.slice(0, m.index) + rng.pick(TEXT_DICTIONARY) + line.slice(m.index + m[0].length);
    }
    case 5:
      return line.slice(0, rng.below(n + 1));
    case 6: {
      // splice with another line
      if (others.length === 0) return line;
      const o = rng.pick(others);
      return line.slice(0, rng.below(n + 1)) + o.slice(rng.below(o.length + 1));
    }
    case 7: {
      // repeat one character many times (long fields, deep nesting)
      const at = rng.below(n + 1);
      const ch = rng.chance(0.5) && n > 0 ? (line[rng.below(n)] ?? 'a') : rng.pick(['[', '{', '"', ' ', '=', 'a', '9', ',', '\\']);
      return line.slice(0, at) + ch.repeat(1 + rng.smallLength(rng.chance(0.1) ? 20_000 : 300)) + line.slice(at);
    }
    case 8: {
      // swap two fields separated by spaces
      const parts = line.split(' ');
      if (parts.length < 2) return line;
      const a = rng.below(parts.length);
      const b = rng.below(parts.length);
      const t = parts[a] ?? '';
      parts[a] = parts[b] ?? '';
      parts[b] = t;
      return parts.join(' ');
    }
    default: {
      // change one character's case or code point
      if (n === 0) return line;
      const at = rng.below(n);
      const c = line.charCodeAt(at);
      const to = rng.chance(0.5) ? String.fromCharCode(c ^ 0x20) : String.fromCharCode(rng.pick([0, 9, 0x1b, 0x7f, 0x85, 0xa0, 0xff, 0x2028, 0xd800, 0xfeff]));
      return line.slice(0, at) + to + line.slice(at + 1);
    }
  }
}

/**
 * Mutates a text file line by line: some lines changed (stacked token mutations), some deleted,
 * duplicated, swapped or taken from other seeds; sometimes the bytes themselves (non-UTF-8, CR, NUL).
 */
export function mutateTextFile(rng: Prng, seed: Buffer, o: { others?: readonly Buffer[]; maxLines?: number; maxLength?: number } = {}): Buffer {
  const maxLength = o.maxLength ?? 256 * 1024;
  if (rng.chance(0.15)) return mutateBytes(rng, seed, { maxLength, ...(o.others !== undefined ? { others: o.others } : {}) });
  const text = seed.toString('latin1');
  let lines = text.split('\n');
  const maxLines = o.maxLines ?? 200;
  if (lines.length > maxLines) {
    const start = rng.below(lines.length - maxLines + 1);
    // Keep the first lines (headers) as well as a window.
    lines = [...lines.slice(0, 3), ...lines.slice(Math.max(3, start), Math.max(3, start) + maxLines)];
  }
  const pool: string[] = [];
  for (const other of o.others ?? []) {
    if (pool.length > 400) break;
    const ls = other.toString('latin1').split('\n');
    for (let i = 0; i < 4 && ls.length > 0; i++) pool.push(ls[rng.below(ls.length)] ?? '');
  }
  const edits = 1 + rng.below(6);
  for (let e = 0; e < edits; e++) {
    if (lines.length === 0) lines.push('');
    const i = rng.below(lines.length);
    const what = rng.below(10);
    if (what < 6) {
      let l = lines[i] ?? '';
      const stack = 1 + rng.below(3);
      for (let k = 0; k < stack; k++) l = mutateLine(rng, l, pool);
      lines[i] = l;
    } else if (what === 6) lines.splice(i, 1);
    else if (what === 7) lines.splice(i, 0, lines[i] ?? '');
    else if (what === 8 && pool.length > 0) lines.splice(i, 0, rng.pick(pool));
    else {
      const j = rng.below(lines.length);
      const t = lines[i] ?? '';
      lines[i] = lines[j] ?? '';
      lines[j] = t;
    }
  }
  let out = Buffer.from(lines.join(rng.chance(0.1) ? '\r\n' : '\n'), 'latin1');
  if (rng.chance(0.1)) out = Buffer.from(lines.join('\n'), 'utf8');
  return out.length > maxLength ? out.subarray(0, maxLength) : out;
}

/** JSON-aware mutation: parse, change values and shapes, serialise; falls back to text mutation. */
export function mutateJson(rng: Prng, seed: Buffer, o: { others?: readonly Buffer[]; maxLength?: number } = {}): Buffer {
  if (rng.chance(0.35)) return mutateTextFile(rng, seed, o);
  let doc: unknown;
  try {
    doc = JSON.parse(seed.toString('utf8'));
  } catch {
    return mutateTextFile(rng, seed, o);
  }
  let text: string;
  try {
    const edits = 1 + rng.below(5);
    for (let i = 0; i < edits; i++) doc = mutateJsonValue(rng, doc, 0);
    text = JSON.stringify(doc, null, rng.chance(0.5) ? 2 : undefined) ?? 'null';
  } catch {
    // JSON.stringify recurses: a nesting bomb seed is mutated as text instead.
    return mutateTextFile(rng, seed, o);
  }
  const maxLength = o.maxLength ?? 1024 * 1024;
  const out = Buffer.from(text, 'utf8');
  return out.length > maxLength ? out.subarray(0, maxLength) : out;
}

const HOSTILE_VALUES: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, 65535, 65536, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, '', ' ', '0', '-1', '65536', 'x'.repeat(10_000),
  '<script>alert(1)</script>', '\u001b[2J\u001b[31m', '=HYPERLINK("http://x","y")', '+1', '-1+2', '@SUM(A1)', '__proto__', 'constructor',
  '${process.exit(1)}', '`$(rm -rf /)`', "'); process.exit(1); ('", 'require("child_process").execSync("id")', [], {}, [[[[[]]]]],
  JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}') as unknown, '1.2.3.4/33', '::/129', '10.0.0.0/8', '0.0.0.0/0', '::/0', '2001:db8::1', '999.0.0.1', 'not-an-ip',
];

/** Builds `depth` nested arrays or objects (a nesting bomb). */
export function nestedJson(depth: number, kind: 'array' | 'object' = 'array', inner = '1'): string {
  return kind === 'array' ? '['.repeat(depth) + inner + ']'.repeat(depth) : '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
}

/** A deep copy through JSON (keeps an own `__proto__` key as data). */
function clone(v: unknown): unknown {
  return v === undefined ? null : (JSON.parse(JSON.stringify(v)) as unknown);
}

function mutateJsonValue(rng: Prng, v: unknown, depth: number): unknown {
  if (depth > 12 || rng.chance(0.15)) {
    // replace this value
    if (rng.chance(0.05)) return JSON.parse(nestedJson(1 + rng.smallLength(3000), rng.chance(0.5) ? 'array' : 'object')) as unknown;
    return clone(rng.pick(HOSTILE_VALUES));
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return rng.chance(0.5) ? [clone(rng.pick(HOSTILE_VALUES))] : v;
    const i = rng.below(v.length);
    const what = rng.below(6);
    if (what === 0) v.splice(i, 1);
    else if (what === 1) v.splice(i, 0, clone(v[i]));
    else if (what === 2) for (let k = 0; k < rng.smallLength(50); k++) v.push(clone(v[i]));
    else v[i] = mutateJsonValue(rng, v[i], depth + 1);
    return v;
  }
  if (typeof v === 'object' && v !== null) {
    const rec = v as Record<string, unknown>;
    const keys = Object.keys(rec);
    if (keys.length === 0) {
      rec[rng.pick(['id', 'name', 'address', 'ports', 'proto', 'role', 'key', 'schemaVersion'])] = clone(rng.pick(HOSTILE_VALUES));
      return rec;
    }
    const k = rng.pick(keys);
    const what = rng.below(6);
    if (what === 0) delete rec[k];
    else if (what === 1) rec[`${k}x`] = clone(rec[k]);
    else rec[k] = mutateJsonValue(rng, rec[k], depth + 1);
    return rec;
  }
  if (typeof v === 'number') return rng.pick([0, -1, v + 1, v - 1, v * 65536, -v, 0.5, 65535, 65536, 2 ** 32, Number.MAX_SAFE_INTEGER + 2]);
  if (typeof v === 'string') return rng.chance(0.5) ? mutateLine(rng, v) : clone(rng.pick(HOSTILE_VALUES));
  return clone(rng.pick(HOSTILE_VALUES));
}

// ---------------------------------------------------------------------------------------------
// the runner

export interface FuzzTarget {
  /** `pcap`, `log-iptables`, ... */
  name: string;
  /** What it feeds and to what. */
  description: string;
  /** Valid inputs to start from (at least one). */
  seeds: readonly Buffer[];
  /** Builds the input of one iteration from a seed (default: havoc byte mutations). */
  mutate?(rng: Prng, seed: Buffer, seeds: readonly Buffer[]): Buffer;
  /**
   * Feeds one input. Throws on a broken property (a crash); catches, itself, the documented
   * whole-input errors (an InputError for a file that is not a capture, a DataFileError...).
   */
  run(input: Buffer, rng: Prng): void | Promise<void>;
}

export interface FuzzCrash {
  target: string;
  iteration: number;
  /** Seed of the run; (seed, iteration) rebuilds the input with `inputFor`. */
  seed: number;
  input: Buffer;
  /** `Error: message` and the first frames of the stack. */
  error: string;
  /** Same signature = same bug: error name, message without numbers, first stack frame. */
  signature: string;
  kind: 'exception' | 'slow';
  /** For slow inputs: milliseconds taken. */
  ms?: number;
}

export interface FuzzOptions {
  seed: number;
  /** Stop after this many iterations... */
  iterations?: number;
  /** ...or after this many seconds, whichever comes first. */
  seconds?: number;
  /** Flag an input slower than `slowBaseMs + slowMsPerKiB × KiB` (confirmed by a second run). Defaults 250 and 50. */
  slowBaseMs?: number;
  slowMsPerKiB?: number;
  /** Called before each iteration (hang watchdogs); cheap. */
  onIteration?(iteration: number): void;
  /** Called for every new crash signature. */
  onCrash?(crash: FuzzCrash): void;
}

export interface FuzzResult {
  target: string;
  iterations: number;
  /** One per distinct signature, first occurrence. */
  crashes: FuzzCrash[];
  /** Inputs over the time bound (confirmed on a second run). */
  slow: FuzzCrash[];
  bytes: number;
  elapsedMs: number;
  /** Slowest input relative to its size: milliseconds per KiB (inputs under 1 KiB count as 1 KiB). */
  worstMsPerKiB: number;
}

/** The input of iteration `i` (also used to rebuild a reproducer). */
export function inputFor(target: FuzzTarget, seed: number, i: number): { input: Buffer; rng: Prng } {
  const rng = new Prng(mixSeed(seed, i));
  const seeds = target.seeds;
  // Iteration 0..n-1: the seeds themselves, so a broken seed shows up first and plainly.
  if (i < seeds.length) return { input: seeds[i] ?? Buffer.alloc(0), rng };
  const r = rng.float();
  let input: Buffer;
  if (r < 0.03) input = randomBytes(rng, 2048);
  else {
    const s = rng.pick(seeds);
    input = target.mutate !== undefined ? target.mutate(rng, s, seeds) : mutateBytes(rng, s, { others: seeds });
  }
  return { input, rng };
}

function describeError(e: unknown): { error: string; signature: string } {
  if (e instanceof Error) {
    const frames = (e.stack ?? '').split('\n').filter((l) => l.trim().startsWith('at '));
    const first = frames[0]?.trim().replace(/:\d+:\d+\)?$/, '') ?? '';
    const error = `${e.name}: ${e.message}\n${frames.slice(0, 8).join('\n')}`;
    return { error, signature: `${e.name}: ${e.message.replace(/\d+/g, 'N').slice(0, 120)} ${first}` };
  }
  return { error: String(e), signature: `thrown ${typeof e}: ${String(e).slice(0, 80)}` };
}

function now(): number {
  return performance.now();
}

/** Runs one target until its iteration or time budget is spent. */
export async function runFuzzTarget(target: FuzzTarget, o: FuzzOptions): Promise<FuzzResult> {
  const started = now();
  const deadline = o.seconds !== undefined ? started + o.seconds * 1000 : Number.POSITIVE_INFINITY;
  const maxIterations = o.iterations ?? Number.POSITIVE_INFINITY;
  if (maxIterations === Number.POSITIVE_INFINITY && deadline === Number.POSITIVE_INFINITY) throw new RangeError('give iterations or seconds');
  const baseMs = o.slowBaseMs ?? 250;
  const perKiB = o.slowMsPerKiB ?? 50;
  const crashes: FuzzCrash[] = [];
  const slow: FuzzCrash[] = [];
  const signatures = new Set<string>();
  let bytes = 0;
  let worst = 0;
  let i = 0;
  for (; i < maxIterations && now() < deadline; i++) {
    o.onIteration?.(i);
    const { input, rng } = inputFor(target, o.seed, i);
    bytes += input.length;
    const t0 = now();
    let failure: unknown;
    let failed = false;
    try {
      await target.run(input, rng);
    } catch (e) {
      failed = true;
      failure = e;
    }
    const ms = now() - t0;
    if (failed) {
      const { error, signature } = describeError(failure);
      if (!signatures.has(signature)) {
        signatures.add(signature);
        const crash: FuzzCrash = { target: target.name, iteration: i, seed: o.seed, input, error, signature, kind: 'exception' };
        crashes.push(crash);
        o.onCrash?.(crash);
      }
      continue;
    }
    const kib = Math.max(1, input.length / 1024);
    const rate = ms / kib;
    if (ms > baseMs + perKiB * kib) {
      // Confirm: garbage collection or another process can stall one run.
      const again = inputFor(target, o.seed, i);
      const t1 = now();
      try {
        await target.run(again.input, again.rng);
      } catch {
        // it did not throw the first time; a throw now is not this input's fault
      }
      const ms2 = now() - t1;
      if (ms2 > baseMs + perKiB * kib) {
        const signature = `slow ${target.name} ${slow.length}`;
        const crash: FuzzCrash = {
          target: target.name,
          iteration: i,
          seed: o.seed,
          input,
          error: `took ${Math.round(Math.min(ms, ms2))} ms for ${input.length} bytes (bound ${Math.round(baseMs + perKiB * kib)} ms)`,
          signature,
          kind: 'slow',
          ms: Math.min(ms, ms2),
        };
        if (slow.length < 20) slow.push(crash);
        o.onCrash?.(crash);
      }
      worst = Math.max(worst, Math.min(ms, ms2) / kib);
    } else worst = Math.max(worst, rate);
  }
  return { target: target.name, iterations: i, crashes, slow, bytes, elapsedMs: now() - started, worstMsPerKiB: worst };
}
