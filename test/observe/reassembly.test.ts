import { describe, expect, it } from 'vitest';
import { FAR_BYTES, RESYNC_SEGMENTS, StreamReassembler } from '../../src/ingest/observe/reassembly.js';
import type { StreamSink } from '../../src/ingest/observe/reassembly.js';

class Collect implements StreamSink {
  text = '';
  gaps: number[] = [];
  data(buf: Buffer, start: number, end: number): void {
    this.text += buf.toString('latin1', start, end);
  }
  gap(bytes: number): void {
    this.gaps.push(bytes);
    this.text += '<gap>';
  }
}

function push(r: StreamReassembler, sink: Collect, seq: number, text: string, opts: { syn?: boolean; wireLen?: number } = {}): void {
  const b = Buffer.from(`##${text}##`, 'latin1'); // the payload sits inside a larger buffer
  r.push(seq, opts.syn ?? false, b, 2, text.length, opts.wireLen ?? text.length, sink);
}

describe('StreamReassembler', () => {
  it('delivers in-order data after a SYN', () => {
    const r = new StreamReassembler(1024);
    const s = new Collect();
    push(r, s, 99, '', { syn: true });
    push(r, s, 100, 'hello ');
    push(r, s, 106, 'world');
    expect(s.text).toBe('hello world');
  });

  it('trims retransmissions and overlaps', () => {
    const r = new StreamReassembler(1024);
    const s = new Collect();
    push(r, s, 100, 'abcdef');
    push(r, s, 100, 'abcdef');
    push(r, s, 103, 'defghi');
    push(r, s, 101, 'bc');
    expect(s.text).toBe('abcdefghi');
  });

  it('puts out-of-order segments back in order', () => {
    const r = new StreamReassembler(1024);
    const s = new Collect();
    push(r, s, 0, 'aa');
    push(r, s, 6, 'dd');
    push(r, s, 4, 'cc');
    expect(s.text).toBe('aa');
    expect(r.bufferedBytes).toBe(4);
    push(r, s, 2, 'bb');
    expect(s.text).toBe('aabbccdd');
    expect(r.bufferedBytes).toBe(0);
  });

  it('wraps around the 32-bit sequence space', () => {
    const r = new StreamReassembler(1024);
    const s = new Collect();
    push(r, s, 0xfffffffc, 'abcd');
    push(r, s, 2, 'gh');
    push(r, s, 0, 'ef');
    expect(s.text).toBe('abcdefgh');
  });

  it('gives up a hole when the buffer is full and carries on', () => {
    const r = new StreamReassembler(8, 4);
    const s = new Collect();
    push(r, s, 0, 'ab');
    push(r, s, 10, 'xxxx');
    push(r, s, 14, 'yyyy');
    push(r, s, 18, 'zz'); // no room: the hole 2..10 is given up
    expect(s.text).toBe('ab<gap>xxxxyyyyzz');
    expect(s.gaps).toEqual([8]);
    expect(r.gaps).toBe(1);
  });

  it('gives up a hole the other side acknowledged, but not data an early ACK names', () => {
    const r = new StreamReassembler(1024);
    const s = new Collect();
    push(r, s, 0, 'ab');
    r.acknowledge(10, s); // nothing waits: an ACK seen before its data changes nothing
    push(r, s, 2, 'cd');
    push(r, s, 8, 'ij');
    r.acknowledge(6, s); // 4..6 was received by the peer: lost by the capture
    expect(s.text).toBe('abcd<gap>');
    push(r, s, 6, 'gh');
    expect(s.text).toBe('abcd<gap>ghij');
    push(r, s, 20, 'xy');
    r.acknowledge(30, s);
    expect(s.text).toBe('abcd<gap>ghij<gap>xy');
  });

  it('reports the snapped tail of a segment as a gap', () => {
    const r = new StreamReassembler(1024);
    const s = new Collect();
    push(r, s, 0, 'abc', { wireLen: 10 });
    push(r, s, 10, 'next');
    expect(s.text).toBe('abc<gap>next');
    expect(s.gaps).toEqual([7]);
  });

  it('drops a segment with a wild sequence number, and restarts after a run of them', () => {
    const r = new StreamReassembler(1024);
    const s = new Collect();
    push(r, s, 0, 'ok');
    push(r, s, FAR_BYTES * 4, 'bogus');
    push(r, s, 2, 'fine');
    expect(s.text).toBe('okfine');
    expect(r.dropped).toBe(1);
    let seq = 0x40000000;
    for (let i = 0; i < RESYNC_SEGMENTS; i++) {
      push(r, s, seq, `s${i}`);
      seq += 2;
    }
    expect(r.resyncs).toBe(1);
    expect(s.text).toBe(`okfine<gap>s${RESYNC_SEGMENTS - 1}`);
    push(r, s, seq, 'more');
    expect(s.text.endsWith('more')).toBe(true);
  });

  it('never holds more than its bounds, whatever arrives', () => {
    const r = new StreamReassembler(4096, 16);
    const s = new Collect();
    let x = 12345;
    const rnd = (): number => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x;
    };
    push(r, s, 0, 'start');
    for (let i = 0; i < 5000; i++) {
      const b = Buffer.alloc(rnd() % 1500);
      r.push(rnd(), (rnd() & 7) === 0, b, 0, b.length, b.length + (rnd() % 3 === 0 ? rnd() % 100 : 0), s);
      expect(r.bufferedBytes).toBeLessThanOrEqual(4096);
    }
  });
});
