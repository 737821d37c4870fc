/** ONC RPC messages (RFC 5531) built by hand for the portmapper tests. */

export class Xdr {
  private readonly parts: Buffer[] = [];
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0, 0);
    this.parts.push(b);
    return this;
  }
  opaque(data: Buffer): this {
    this.u32(data.length);
    this.parts.push(data, Buffer.alloc((4 - (data.length % 4)) % 4));
    return this;
  }
  string(s: string): this {
    return this.opaque(Buffer.from(s, 'latin1'));
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A call with AUTH_NONE credentials. */
export function rpcCall(xid: number, prog: number, vers: number, proc: number, args: (x: Xdr) => void = () => {}): Buffer {
  const x = new Xdr().u32(xid).u32(0).u32(2).u32(prog).u32(vers).u32(proc);
  x.u32(0).opaque(Buffer.alloc(0)); // cred
  x.u32(0).opaque(Buffer.alloc(0)); // verf
  args(x);
  return x.build();
}

/** An accepted reply (accept_stat SUCCESS unless given). */
export function rpcReply(xid: number, results: (x: Xdr) => void = () => {}, acceptStat = 0): Buffer {
  const x = new Xdr().u32(xid).u32(1).u32(0);
  x.u32(0).opaque(Buffer.alloc(0)); // verf
  x.u32(acceptStat);
  if (acceptStat === 0) results(x);
  return x.build();
}

/** RFC 5531 section 11 record marking, in `fragments` fragments. */
export function recordMark(msg: Buffer, fragments = 1): Buffer {
  const out: Buffer[] = [];
  const size = Math.ceil(msg.length / fragments);
  for (let i = 0; i < fragments; i++) {
    const part = msg.subarray(i * size, Math.min(msg.length, (i + 1) * size));
    const h = Buffer.alloc(4);
    h.writeUInt32BE(((i === fragments - 1 ? 0x80000000 : 0) | part.length) >>> 0, 0);
    out.push(h, part);
  }
  return Buffer.concat(out);
}

export const GETPORT = 3;
export const DUMP = 4;
export const PROG_PORTMAP = 100000;
