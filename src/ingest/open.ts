/**
 * Opens an input for reading: a path or `-` for standard input, gzip read transparently (by its
 * magic, never by the file name), and the decompressed head kept for format sniffing.
 * Only this file and the data loaders touch the file system.
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.js';

export type InputKind = 'pcap' | 'pcapng' | 'text' | 'binary' | 'empty';

export interface OpenedInput {
  /** The name to print: the path as given, or `<stdin>`. */
  name: string;
  kind: InputKind;
  gzip: boolean;
  /** Size on disk in bytes (compressed when gzip), undefined for stdin. */
  size: number | undefined;
  /** The first bytes of the decompressed content (at least 64 unless the input is shorter). */
  head: Buffer;
  /** Every decompressed byte, head first. Iterate once. */
  chunks(options?: ChunkOptions): AsyncIterable<Buffer>;
  /** Bytes read from the underlying file so far (compressed), for progress. */
  bytesRead(): number;
  /** Stops reading and releases the file. */
  close(): void;
}

export interface ChunkOptions {
  /**
   * The caller is done with each chunk before it asks for the next (it copies what it keeps): the
   * chunks of a plain file may then be read into one reused buffer instead of a new one each, which
   * keeps hundreds of megabytes of dead chunks from piling up between garbage collections.
   */
  transient?: boolean;
}

export interface OpenOptions {
  stdin?: Readable;
  /** Read size from disk; 4 MiB by default. */
  chunkBytes?: number;
}

const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]);
const PCAPNG_SHB = 0x0a0d0d0a;
const HEAD_BYTES = 64 * 1024;

/** Names the kind of content from its first bytes. */
export function sniffKind(head: Uint8Array): InputKind {
  if (head.length === 0) return 'empty';
  if (head.length >= 4) {
    const be = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
    if (PCAP_MAGICS.has(be)) return 'pcap';
    if (be === PCAPNG_SHB) return 'pcapng';
  }
  // Text: no NUL and mostly printable in the first 4 KiB.
  const n = Math.min(head.length, 4096);
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const c = head[i]!;
    if (c === 0) return 'binary';
    if (c < 9 || (c > 13 && c < 32)) odd++;
  }
  return odd * 20 > n ? 'binary' : 'text';
}

export async function openInput(path: string, options: OpenOptions = {}): Promise<OpenedInput> {
  const isStdin = path === '-';
  const name = isStdin ? '<stdin>' : path;
  let size: number | undefined;
  let regularFile = false;
  const cannotRead = (e: unknown): InputError => {
    const code = (e as NodeJS.ErrnoException).code;
    return new InputError('input-unreadable', `${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(e)})`}`, { file: path });
  };
  if (!isStdin) {
    try {
      const st = statSync(path);
      if (st.isDirectory()) throw new InputError('input-is-directory', `${path}: is a directory`, { file: path });
      size = st.size;
      regularFile = st.isFile();
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw cannotRead(e);
    }
  }
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  let rawBytes = 0;
  let raw: Readable | undefined;
  let fd = -1;
  let rawIter: AsyncIterator<Buffer>;
  /** Set by `chunks({ transient: true })` on an uncompressed input (zlib holds on to what it is given). */
  let reuseChunks = false;
  if (regularFile) {
    // A regular file is read with synchronous reads: from the page cache a read costs far less
    // than the event-loop round trip of a stream (which, on a busy machine, left the reading
    // thread idle between chunks), and the chunk is processed right after it arrives anyway.
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw cannotRead(e);
    }
    rawIter = fileChunks(
      fd,
      chunkBytes,
      size ?? 0,
      (n) => {
        rawBytes += n;
      },
      () => {
        if (fd >= 0) closeSync(fd);
        fd = -1;
      },
      () => reuseChunks,
    );
  } else {
    if (isStdin) {
      if (options.stdin === undefined) throw new InputError('input-unreadable', 'standard input is not available', { file: name });
      raw = options.stdin;
    } else {
      // FIFOs, character devices, process substitution: a stream, so reading never blocks the loop.
      raw = createReadStream(path, { highWaterMark: chunkBytes });
    }
    raw.on('data', (c: Buffer) => {
      rawBytes += c.length;
    });
    rawIter = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  // Peek at the raw head to decide on gzip.
  const rawHead: Buffer[] = [];
  let rawHeadLen = 0;
  let rawDone = false;
  try {
    while (rawHeadLen < 2) {
      const r = await rawIter.next();
      if (r.done === true) {
        rawDone = true;
        break;
      }
      const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      rawHead.push(chunk);
      rawHeadLen += chunk.length;
    }
  } catch (e) {
    throw new InputError('input-unreadable', `${name}: cannot read (${(e as Error).message})`, { file: name });
  }
  const first = Buffer.concat(rawHead);
  const gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;

  async function* rawChunks(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    if (rawDone) return;
    while (true) {
      const r = await rawIter.next();
      if (r.done === true) return;
      yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    }
  }

  async function* gunzipChunks(): AsyncGenerator<Buffer> {
    const gunzip = createGunzip();
    const feed = (async () => {
      try {
        for await (const c of rawChunks()) {
          if (!gunzip.write(c)) await new Promise<void>((res) => gunzip.once('drain', () => res()));
        }
        gunzip.end();
      } catch (e) {
        gunzip.destroy(e as Error);
      }
    })();
    try {
      for await (const c of gunzip) yield c as Buffer;
    } catch (e) {
      throw new InputError('gzip-damaged', `${name}: damaged gzip stream (${(e as Error).message}); content read before it was kept`, { file: name });
    } finally {
      await feed;
    }
  }

  const source = gzip ? gunzipChunks() : rawChunks();
  // Decompressed head for sniffing.
  const headParts: Buffer[] = [];
  let headLen = 0;
  let sourceDone = false;
  let headError: unknown;
  try {
    while (headLen < HEAD_BYTES) {
      const r = await source.next();
      if (r.done === true) {
        sourceDone = true;
        break;
      }
      headParts.push(r.value);
      headLen += r.value.length;
    }
  } catch (e) {
    headError = e;
    sourceDone = true;
  }
  const head = Buffer.concat(headParts);
  if (headError !== undefined && head.length === 0) throw headError;
  let used = false;

  return {
    name,
    kind: sniffKind(head),
    gzip,
    size,
    head: head.subarray(0, Math.min(head.length, HEAD_BYTES)),
    chunks(chunkOptions?: ChunkOptions): AsyncIterable<Buffer> {
      if (used) throw new Error('OpenedInput.chunks() may be iterated once');
      used = true;
      // The head was copied out of the first chunk, so from here on a chunk can be reused.
      reuseChunks = chunkOptions?.transient === true && !gzip;
      return (async function* () {
        if (head.length > 0) yield head;
        if (headError !== undefined) throw headError;
        if (sourceDone) return;
        yield* source;
      })();
    },
    bytesRead: () => rawBytes,
    close(): void {
      if (fd >= 0) {
        closeSync(fd);
        fd = -1;
      }
      if (!isStdin) raw?.destroy();
    },
  };
}

/**
 * The chunks of an open regular file, of up to `chunkBytes` each: a new buffer each (consumers
 * may keep a chunk: a JSON document reader holds its head), or one reused buffer while `reuse()`
 * says the consumer allows it. Closes the file at its end or on an error.
 */
async function* fileChunks(
  fd: number,
  chunkBytes: number,
  size: number,
  onBytes: (n: number) => void,
  close: () => void,
  reuse: () => boolean,
): AsyncGenerator<Buffer> {
  let read = 0;
  let spare: Buffer | undefined;
  try {
    while (true) {
      // No 4 MiB buffer for a 2 KiB file: the size on disk bounds the first chunks (a file that
      // grows while it is read still gets read to its end, in small chunks first).
      const want = Math.max(1, Math.min(chunkBytes, Math.max(size - read, 64 * 1024)));
      let buf: Buffer;
      if (!reuse()) buf = Buffer.allocUnsafeSlow(want);
      else {
        if (spare === undefined || spare.length < want) spare = Buffer.allocUnsafeSlow(Math.max(want, chunkBytes));
        buf = spare.subarray(0, want);
      }
      let n = 0;
      while (n < want) {
        const got = readSync(fd, buf, n, want - n, null);
        if (got === 0) break;
        n += got;
      }
      if (n === 0) return;
      read += n;
      onBytes(n);
      yield n === want ? buf : buf.subarray(0, n);
      if (n < want) return;
    }
  } finally {
    close();
  }
}
