/**
 * IPv6 routing headers: a type 0 header with segments left names the final destination (RFC 2460
 * section 4.4; RFC 8200 section 8.1), which is where the transport connection goes, so the flow
 * is keyed on it (as Zeek and tshark do). Other types, and segments left 0, keep the
 * Destination Address field.
 */
import { describe, expect, it } from 'vitest';
import { ipv6, tcp, udp } from '../support/capture-writer.js';
import { decodeOne } from '../support/packet-dump.js';

const SRC = '2001:db8::1';
const NEXT_HOP = '2001:db8::a';
const VIA = '2001:db8::b';
const FINAL = '2001:db8::f';

describe('IPv6 routing header', () => {
  it('type 0 with segments left: the last address is the destination', () => {
    const p = ipv6({ src: SRC, dst: NEXT_HOP, extensions: [{ kind: 'routing', routingType: 0, segmentsLeft: 2, addresses: [VIA, FINAL] }] }, udp({ srcPort: 5000, dstPort: 53 }, 'q'));
    const { view, anomalies } = decodeOne(p.bytes, 101);
    expect(view).toMatchObject({ src: SRC, dst: FINAL, proto: 17, srcPort: 5000, dstPort: 53 });
    expect(anomalies.count()).toBe(0);
  });

  it('type 0 with no segments left: the destination field already is the final destination', () => {
    const p = ipv6({ src: SRC, dst: FINAL, extensions: [{ kind: 'routing', routingType: 0, segmentsLeft: 0, addresses: [NEXT_HOP, VIA] }] }, udp({ srcPort: 5000, dstPort: 53 }));
    expect(decodeOne(p.bytes, 101).view).toMatchObject({ dst: FINAL });
  });

  it('other routing types keep the destination field', () => {
    for (const routingType of [2, 3, 4]) {
      const p = ipv6({ src: SRC, dst: NEXT_HOP, extensions: [{ kind: 'routing', routingType, segmentsLeft: 1, addresses: [FINAL] }] }, tcp({ srcPort: 40000, dstPort: 22, flags: 'S' }));
      expect(decodeOne(p.bytes, 101).view, `type ${routingType}`).toMatchObject({ dst: NEXT_HOP, dstPort: 22 });
    }
  });

  it('only the first routing header counts', () => {
    const p = ipv6(
      {
        src: SRC,
        dst: NEXT_HOP,
        extensions: [
          { kind: 'routing', routingType: 0, segmentsLeft: 1, addresses: [FINAL] },
          { kind: 'routing', routingType: 0, segmentsLeft: 1, addresses: [VIA] },
        ],
      },
      udp({ srcPort: 1, dstPort: 2 }),
    );
    expect(decodeOne(p.bytes, 101).view).toMatchObject({ dst: FINAL });
  });

  it('a type 0 header without addresses changes nothing', () => {
    const p = ipv6({ src: SRC, dst: NEXT_HOP, extensions: [{ kind: 'routing', routingType: 0, segmentsLeft: 1, addresses: [] }] }, udp({ srcPort: 1, dstPort: 2 }));
    expect(decodeOne(p.bytes, 101).view).toMatchObject({ dst: NEXT_HOP, dstPort: 2 });
  });
});
