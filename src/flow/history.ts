/**
 * Zeek's connection history string and the TCP state bits the outcome is decided from.
 *
 * Letters (Zeek, base/protocols/conn/main.zeek, `Conn::Info$history`; the rules below follow
 * `update_history` in Zeek's TCP session adapter): upper case from the client (originator), lower
 * case from the server (responder).
 *
 * | letter | packet |
 * |---|---|
 * | S | SYN without ACK (again when its sequence number differs from the last SYN's) |
 * | H | SYN+ACK (same rule, shares the SYN's last sequence number) |
 * | A | pure ACK: ACK, no SYN/FIN/RST, no payload (once) |
 * | D | payload, no SYN/FIN/RST (once) |
 * | F | FIN (again when FIN's end sequence number differs) |
 * | R | RST (again when its sequence number differs) |
 * | I | FIN and RST together (once) |
 * | Q | SYN with FIN or RST (once) |
 * | T | retransmitted payload, written at the 1st, 10th, 100th... retransmission |
 * | ^ | prefix: the client is not the first packet's sender (Zeek's "flipped") |
 *
 * Not written: C (bad checksum; decoders do not verify checksums), G (content gap) and W (zero
 * window): they need checksum verification, reassembly or the window field, none of which the flow
 * stage needs.
 *
 * UDP flows get Zeek's UDP letters: D from the client, d from the server (once each).
 */
import type { FlowState } from './state.js';
import { C_ACK, C_DATA, C_FIN, C_RST, C_SYN, C_SYNACK, S_ACK, S_DATA, S_FIN, S_RST, S_SYN, S_SYNACK } from './state.js';

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

// Once-letter bits (client; the server's are shifted left by 16), after Zeek's HIST_* masks.
const H_SYN = 0x1;
const H_FIN = 0x2;
const H_RST = 0x4;
const H_FINRST = 0x8;
const H_DATA = 0x10;
const H_ACK = 0x20;
const H_MULTI = 0x40;
/** Not a letter: payload has been seen in this direction, so `maxEnd*` is valid. */
const H_SEQ_SEEN = 0x200;

/**
 * Every history string is interned: `appendHistory(h, c)` returns the one string for `h + c`, so
 * flows share their history strings instead of each building its own (there are a few hundred
 * distinct histories in practice; the cache stops growing at HISTORY_CACHE_MAX prefixes).
 */
const historyNext = new Map<string, Map<string, string>>();
const HISTORY_CACHE_MAX = 65536;

export function appendHistory(h: string, letter: string): string {
  let next = historyNext.get(h);
  if (next === undefined) {
    if (historyNext.size >= HISTORY_CACHE_MAX) return h + letter;
    next = new Map();
    historyNext.set(h, next);
  }
  let s = next.get(letter);
  if (s === undefined) {
    s = h + letter;
    next.set(letter, s);
  }
  return s;
}

/** Writes `upper`/`lower` the first time `mask` is seen in a direction; true when it was seen before. */
function seenBefore(f: FlowState, mask: number, fromClient: boolean, upper: string, lower: string): boolean {
  const m = fromClient ? mask : mask << 16;
  if ((f.hist & m) === 0) {
    f.hist |= m;
    f.history = appendHistory(f.history, fromClient ? upper : lower);
    return false;
  }
  return true;
}

function isPowerOfTen(n: number): boolean {
  while (n >= 10 && n % 10 === 0) n /= 10;
  return n === 1;
}

/**
 * One TCP packet (or one log line's flags, with `seq` 0 and no payload): updates history letters
 * and state bits. `seq` is the raw sequence number as a signed 32-bit integer.
 */
export function updateTcp(f: FlowState, fromClient: boolean, flags: number, seq: number, payloadLen: number): void {
  const syn = (flags & SYN) !== 0;
  const fin = (flags & FIN) !== 0;
  const rst = (flags & RST) !== 0;
  const ack = (flags & ACK) !== 0;
  const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);

  if (bits > 1) {
    if (fin && rst) seenBefore(f, H_FINRST, fromClient, 'I', 'i');
    else seenBefore(f, H_MULTI, fromClient, 'Q', 'q');
  } else if (bits === 1) {
    if (syn) {
      const upper = ack ? 'H' : 'S';
      const lower = ack ? 'h' : 's';
      if (fromClient) {
        if (seenBefore(f, H_SYN, true, upper, lower) && seq !== f.synSeqC) f.history = appendHistory(f.history, upper);
        f.synSeqC = seq;
      } else {
        if (seenBefore(f, H_SYN, false, upper, lower) && seq !== f.synSeqS) f.history = appendHistory(f.history, lower);
        f.synSeqS = seq;
      }
    } else if (fin) {
      // A FIN's sequence number is taken at the end of the payload it carries.
      const end = (seq + payloadLen) | 0;
      if (fromClient) {
        if (seenBefore(f, H_FIN, true, 'F', 'f') && end !== f.finSeqC) f.history = appendHistory(f.history, 'F');
        f.finSeqC = end;
      } else {
        if (seenBefore(f, H_FIN, false, 'F', 'f') && end !== f.finSeqS) f.history = appendHistory(f.history, 'f');
        f.finSeqS = end;
      }
    } else {
      if (fromClient) {
        if (seenBefore(f, H_RST, true, 'R', 'r') && seq !== f.rstSeqC) f.history = appendHistory(f.history, 'R');
        f.rstSeqC = seq;
      } else {
        if (seenBefore(f, H_RST, false, 'R', 'r') && seq !== f.rstSeqS) f.history = appendHistory(f.history, 'r');
        f.rstSeqS = seq;
      }
    }
  } else if (payloadLen > 0) {
    seenBefore(f, H_DATA, fromClient, 'D', 'd');
  } else if (ack) {
    seenBefore(f, H_ACK, fromClient, 'A', 'a');
  }

  if (payloadLen > 0) noteSequenceEnd(f, fromClient, seq, payloadLen);

  let st = f.st;
  if (syn) {
    if (ack) st |= fromClient ? C_SYNACK : S_SYNACK;
    else {
      if (fromClient && (st & C_SYN) === 0) f.isn = seq;
      st |= fromClient ? C_SYN : S_SYN;
    }
  } else if (ack && !rst) st |= fromClient ? C_ACK : S_ACK;
  if (fin) st |= fromClient ? C_FIN : S_FIN;
  if (rst) st |= fromClient ? C_RST : S_RST;
  if (payloadLen > 0) st |= fromClient ? C_DATA : S_DATA;
  f.st = st;
}

/** Retransmitted payload: a segment that ends at or before the highest end already seen. */
function noteSequenceEnd(f: FlowState, fromClient: boolean, seq: number, len: number): void {
  const end = (seq + len) | 0;
  const seen = fromClient ? H_SEQ_SEEN : H_SEQ_SEEN << 16;
  if ((f.hist & seen) === 0) {
    // The first payload of a direction only sets the mark.
    f.hist |= seen;
    if (fromClient) f.maxEndC = end;
    else f.maxEndS = end;
    return;
  }
  const max = fromClient ? f.maxEndC : f.maxEndS;
  if (((end - max) | 0) <= 0) {
    const n = fromClient ? ++f.rxmitC : ++f.rxmitS;
    if (isPowerOfTen(n)) f.history = appendHistory(f.history, fromClient ? 'T' : 't');
  } else if (fromClient) f.maxEndC = end;
  else f.maxEndS = end;
}

function internHistory(h: string): string {
  let out = '';
  for (const ch of h) out = appendHistory(out, ch);
  return out;
}

/** UDP and other datagram flows: Zeek writes D/d the first time each side sends. */
export function updateDatagram(f: FlowState, fromClient: boolean): void {
  seenBefore(f, H_DATA, fromClient, 'D', 'd');
}

/** Swaps client and server letters and state bits (a log flow whose initiator became known later). */
export function flipHistory(f: FlowState): void {
  let h = '';
  for (const ch of f.history) {
    const lower = ch.toLowerCase();
    h += ch === lower ? ch.toUpperCase() : lower;
  }
  f.history = internHistory(h);
  const lo = f.hist & 0xffff;
  const hi = (f.hist >>> 16) & 0xffff;
  f.hist = (lo << 16) | hi;
  let st = 0;
  const pairs: ReadonlyArray<readonly [number, number]> = [
    [C_SYN, S_SYN],
    [C_SYNACK, S_SYNACK],
    [C_ACK, S_ACK],
    [C_FIN, S_FIN],
    [C_RST, S_RST],
    [C_DATA, S_DATA],
  ];
  for (const [c, s] of pairs) {
    if ((f.st & c) !== 0) st |= s;
    if ((f.st & s) !== 0) st |= c;
  }
  f.st = st | (f.st & ~0xfff);
}
