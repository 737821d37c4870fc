/**
 * OpenBSD/FreeBSD pf log header (tcpdump.org LINKTYPE_PFLOG 117; struct pfloghdr in the BSDs'
 * net/if_pflog.h, as libpcap's pflog.h copies it): the firewall's action, reason, rule and
 * direction for the packet that follows. The packet starts at the header's own length rounded up
 * to a multiple of 4 (BPF_WORDALIGN), so the OpenBSD and FreeBSD tails need not be known.
 *
 *    0 length (1)   1 address family (1)   2 action (1: 0 pass, 1 drop, 2 scrub, ...)   3 reason (1)
 *    4 ifname (16, NUL-padded)   20 ruleset (16, NUL-padded)
 *   36 rule number (4, network order; 0xffffffff none)   40 subrule number (4, network order)
 *   44 uid (4)   48 pid (4)   52 rule uid (4)   56 rule pid (4)
 *   60 direction (1: 0 in/out, 1 in, 2 out)   61 pad (3; OpenBSD: rewritten, naf, pad)
 *   64 FreeBSD: ridentifier, reserve, pad; OpenBSD: saddr, daddr, sport, dport
 *
 * tcpdump rejects a length below 45 (print-pflog.c MIN_PFLOG_HDRLEN); the direction is read
 * only when the header reaches it.
 */
import { u32be, u8 } from '../../bytes/read.js';
import type { AnomalyLog } from '../../anomalies.js';
import { noteMalformed, noteTruncated } from './anomaly.js';
import { familyDecoder } from './loopback.js';
import type { DecodedPacket, PflogHeader } from './packet.js';

const PFLOG_MIN_LENGTH = 45;
const PFLOG_DIR_OFFSET = 60;
const NAME_SIZE = 16;
const NONE = 0xffffffff;

/**
 * Interface and ruleset names repeat packet after packet: keep the last bytes and text of each
 * and decode a string only when the bytes change.
 */
class NameCache {
  private readonly bytes = Buffer.alloc(NAME_SIZE);
  private text = '';

  read(buf: Buffer, off: number): string {
    if (buf.compare(this.bytes, 0, NAME_SIZE, off, off + NAME_SIZE) === 0) return this.text;
    buf.copy(this.bytes, 0, off, off + NAME_SIZE);
    let n = 0;
    while (n < NAME_SIZE && this.bytes[n] !== 0) n++;
    this.text = this.bytes.toString('latin1', 0, n);
    return this.text;
  }
}

const ifnames = new NameCache();
/** One header object per scratch packet, reused for every PFLOG packet it carries. */
const spares = new WeakMap<DecodedPacket, PflogHeader>();
const rulesets = new NameCache();

export function decodePflog(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  const avail = end - off;
  pkt.pflog = null;
  if (avail < 1) {
    noteTruncated(log, pkt, 'truncated-pflog', 'pflog header', PFLOG_MIN_LENGTH, avail);
    return;
  }
  const length = u8(buf, off);
  if (length < PFLOG_MIN_LENGTH) {
    noteMalformed(log, pkt, 'bad-pflog-header', 'bad pflog header length', length);
    return;
  }
  const headerLen = (length + 3) & ~3;
  if (avail < headerLen) {
    noteTruncated(log, pkt, 'truncated-pflog', 'pflog header', headerLen, avail);
    return;
  }
  let h = spares.get(pkt);
  if (h === undefined) {
    h = { action: 0, ruleNumber: -1, direction: 0, ifname: '', ruleset: '', reason: 0, subruleNumber: -1, af: 0 };
    spares.set(pkt, h);
  }
  pkt.pflog = h;
  fillPflogHeader(h, buf, off, length);
  const decode = familyDecoder(h.af);
  if (decode !== undefined) decode(pkt, buf, off + headerLen, end, log);
}

function fillPflogHeader(h: PflogHeader, buf: Buffer, off: number, length: number): void {
  h.af = u8(buf, off + 1);
  h.action = u8(buf, off + 2);
  h.reason = u8(buf, off + 3);
  h.ifname = ifnames.read(buf, off + 4);
  h.ruleset = rulesets.read(buf, off + 20);
  const rule = u32be(buf, off + 36);
  const subrule = u32be(buf, off + 40);
  h.ruleNumber = rule === NONE ? -1 : rule;
  h.subruleNumber = subrule === NONE ? -1 : subrule;
  h.direction = length > PFLOG_DIR_OFFSET ? u8(buf, off + PFLOG_DIR_OFFSET) : 0;
}
