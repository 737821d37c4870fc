/**
 * Expected connections: the capped table of flows that a control channel announced before they
 * were opened (FTP PASV/EPSV/PORT/EPRT, portmapper GETPORT/GETADDR/DUMP replies, TFTP requests).
 * Modelled on Zeek's expected-connection table: an entry names the listener (proto, address,
 * port) the new flow will reach and, optionally, the originator's address and port; it lives for
 * a fixed lifetime after it was announced (Zeek: 5 minutes for FTP data) or until it is used, and
 * the table is capped — when full the oldest entry is dropped and the drop is counted.
 *
 * Cost: adding, matching and expiring are O(1) amortised (a Map in insertion order doubles as the
 * expiry queue because every entry of one table has the same lifetime; a second Map indexes
 * entries by listener). Nothing here allocates per packet: the table is touched when a control
 * message announces something and once for every new flow.
 */
import type { Endpoint } from '../model.js';

/** Where the announced flow will go, and (optionally) where it will come from. */
export interface ExpectationKey {
  /** IP protocol number (6 TCP, 17 UDP). */
  proto: number;
  /** Listener address (canonical text, as `Endpoint.ip`). */
  ip: string;
  /** Listener port. */
  port: number;
  /** Originator address; absent = any address. */
  fromIp?: string;
  /** Originator port; absent = any port (FTP active mode uses 20 but not always). */
  fromPort?: number;
}

export interface Expectation<T> {
  readonly key: Readonly<ExpectationKey>;
  payload: T;
  /** Capture time (seconds) of the announcement, and of the latest refresh. */
  announcedAt: number;
  refreshedAt: number;
  expiresAt: number;
  /** Reusable entries (RPC services) serve many flows; the others are consumed by the first. */
  readonly reusable: boolean;
  /**
   * Whether a flow whose first packet came from the listener may match (the capture missed the
   * opening). False for TFTP, whose transfer always starts from the server side.
   */
  readonly reversible: boolean;
  /** Flows matched so far. */
  uses: number;
  /** Entries announced together (FTP behind NAT: announced and control address); consumed together. */
  siblings: Expectation<T>[] | undefined;
  /** Internal: sequence number in the expiry order, 0 once removed. */
  seq: number;
}

export interface ExpectationFlags {
  /** Serve many flows instead of being consumed by the first (RPC services). Default false. */
  reusable?: boolean;
  /** Also match a flow whose first packet came from the listener. Default true. */
  reversible?: boolean;
}

export interface ExpectationMatch<T> {
  expectation: Expectation<T>;
  /** The endpoint that opened (or will be taken as opening) the flow: the announced originator side. */
  originator: Endpoint;
  /** The announced listener endpoint. */
  listener: Endpoint;
  /** True when the flow's first packet came from the listener (capture missed the opening). */
  reversed: boolean;
}

export interface ExpectationStats {
  /** Entries added (not counting refreshes). */
  added: number;
  /** Announcements that renewed an entry already present. */
  refreshed: number;
  /** New flows that matched an entry. */
  matched: number;
  /** Entries that reached their lifetime without ever being used. */
  expiredUnused: number;
  /** Reusable entries that reached their lifetime after serving at least one flow. */
  expiredUsed: number;
  /** Entries dropped because the table was full (the cap was hit this many times). */
  evicted: number;
  /** Entries present now, and the most ever present at once. */
  live: number;
  peak: number;
}

export interface ExpectationTableOptions<T> {
  /** Name used in reports (`ftp`, `rpc`, `tftp`). */
  name: string;
  /** Most entries held at once; the oldest is dropped to make room. */
  cap: number;
  /** Seconds an entry lives after its announcement (or its latest refresh). */
  lifetimeSeconds: number;
  /** Reusable entries are also refreshed when a flow uses them. */
  refreshOnUse?: boolean;
  /** Called when an entry is dropped because the table is full. */
  onEvict?: (evicted: Expectation<T>) => void;
}

/** Default cap of one table (Zeek leaves its table unbounded; ours must not be). */
export const DEFAULT_EXPECTATION_CAP = 10_000;
/** Zeek's FTP data expectation lifetime (`Analyzer::schedule_analyzer(..., 5 min)`). */
export const DEFAULT_EXPECTATION_LIFETIME_SECONDS = 300;

function listenerKey(proto: number, ip: string, port: number): string {
  return `${proto}|${ip}|${port}`;
}

export class ExpectationTable<T> {
  readonly name: string;
  readonly cap: number;
  readonly lifetimeSeconds: number;
  private readonly refreshOnUse: boolean;
  private readonly onEvict: ((evicted: Expectation<T>) => void) | undefined;
  /** Entries in expiry order (insertion or latest refresh): the first is the next to expire. */
  private readonly order = new Map<number, Expectation<T>>();
  /** Entries by listener. */
  private readonly byListener = new Map<string, Expectation<T>[]>();
  /** Entries per listener port: most new flows are ruled out by their ports alone, without a key string. */
  private readonly ports = new Map<number, number>();
  private nextSeq = 1;
  /** A lower bound of the first entry's expiry time: `expire` does nothing before it. */
  private nextExpiry = Infinity;
  private readonly counters: ExpectationStats = {
    added: 0,
    refreshed: 0,
    matched: 0,
    expiredUnused: 0,
    expiredUsed: 0,
    evicted: 0,
    live: 0,
    peak: 0,
  };

  constructor(options: ExpectationTableOptions<T>) {
    this.name = options.name;
    this.cap = Math.max(1, Math.floor(options.cap));
    this.lifetimeSeconds = options.lifetimeSeconds;
    this.refreshOnUse = options.refreshOnUse ?? false;
    this.onEvict = options.onEvict;
  }

  get size(): number {
    return this.order.size;
  }

  /**
   * Adds an expectation announced at `now` (capture seconds). An identical live entry (same
   * listener and originator constraint) is refreshed instead: its payload is replaced and its
   * lifetime starts again. Returns the entry.
   */
  add(key: ExpectationKey, payload: T, now: number, flags: ExpectationFlags = {}): Expectation<T> {
    const reusable = flags.reusable ?? false;
    const reversible = flags.reversible ?? true;
    const bucketKey = listenerKey(key.proto, key.ip, key.port);
    let bucket = this.byListener.get(bucketKey);
    if (bucket !== undefined) {
      for (const e of bucket) {
        if (e.key.fromIp === key.fromIp && e.key.fromPort === key.fromPort && e.reusable === reusable && e.reversible === reversible) {
          e.payload = payload;
          this.renew(e, now);
          e.siblings = undefined;
          this.counters.refreshed++;
          return e;
        }
      }
    }
    while (this.order.size >= this.cap) this.evictOldest();
    const entry: Expectation<T> = {
      key: { ...key },
      payload,
      announcedAt: now,
      refreshedAt: now,
      expiresAt: now + this.lifetimeSeconds,
      reusable,
      reversible,
      uses: 0,
      siblings: undefined,
      seq: this.nextSeq++,
    };
    this.order.set(entry.seq, entry);
    if (bucket === undefined) {
      bucket = [];
      this.byListener.set(bucketKey, bucket);
    }
    bucket.push(entry);
    this.ports.set(key.port, (this.ports.get(key.port) ?? 0) + 1);
    if (entry.expiresAt < this.nextExpiry) this.nextExpiry = entry.expiresAt;
    this.counters.added++;
    if (this.order.size > this.counters.peak) this.counters.peak = this.order.size;
    return entry;
  }

  /** Ties entries announced together: using one consumes all of them. */
  link(entries: readonly Expectation<T>[]): void {
    for (const e of entries) e.siblings = entries.filter((s) => s !== e);
  }

  /**
   * Looks for an entry naming a new flow whose first packet went from `a` to `b`: first with `b`
   * as the listener, then (the capture missed the opening) with `a` as the listener. A
   * non-reusable entry is consumed (with its siblings); a reusable one counts the use.
   */
  matchFlow(proto: number, a: Endpoint, b: Endpoint, now: number): ExpectationMatch<T> | undefined {
    if (this.order.size === 0) return undefined;
    let e = this.find(proto, a, b, now, false);
    let reversed = false;
    if (e === undefined) {
      e = this.find(proto, b, a, now, true);
      if (e === undefined) return undefined;
      reversed = true;
    }
    e.uses++;
    this.counters.matched++;
    if (!e.reusable) {
      this.remove(e);
      if (e.siblings !== undefined) for (const s of e.siblings) if (s.seq !== 0) this.remove(s);
    } else if (this.refreshOnUse) {
      this.renew(e, now);
    }
    return reversed ? { expectation: e, originator: b, listener: a, reversed } : { expectation: e, originator: a, listener: b, reversed };
  }

  /** Drops entries whose lifetime ended at or before `now`. Cheap when nothing is due. */
  expire(now: number): void {
    if (now < this.nextExpiry) return;
    for (const e of this.order.values()) {
      if (e.expiresAt > now) {
        this.nextExpiry = e.expiresAt;
        return;
      }
      if (e.uses === 0) this.counters.expiredUnused++;
      else this.counters.expiredUsed++;
      this.remove(e);
    }
    this.nextExpiry = Infinity;
  }

  /** Live entries in expiry order (for tests and diagnostics). */
  entries(): Expectation<T>[] {
    return [...this.order.values()];
  }

  stats(): ExpectationStats {
    return { ...this.counters, live: this.order.size };
  }

  /** The live entry with exactly this key and flags, if any. */
  lookup(key: ExpectationKey, now: number): Expectation<T> | undefined {
    const bucket = this.byListener.get(listenerKey(key.proto, key.ip, key.port));
    if (bucket === undefined) return undefined;
    for (const e of bucket) {
      if (e.expiresAt > now && e.key.fromIp === key.fromIp && e.key.fromPort === key.fromPort) return e;
    }
    return undefined;
  }

  private find(proto: number, from: Endpoint, to: Endpoint, now: number, reversed: boolean): Expectation<T> | undefined {
    if (!this.ports.has(to.port)) return undefined;
    const bucket = this.byListener.get(listenerKey(proto, to.ip, to.port));
    if (bucket === undefined) return undefined;
    // The most specific live entry wins (an originator address and port beat wildcards).
    let best: Expectation<T> | undefined;
    let bestScore = -1;
    for (const e of bucket) {
      if (e.expiresAt <= now || (reversed && !e.reversible)) continue;
      if (e.key.fromIp !== undefined && e.key.fromIp !== from.ip) continue;
      if (e.key.fromPort !== undefined && e.key.fromPort !== from.port) continue;
      const score = (e.key.fromIp !== undefined ? 2 : 0) + (e.key.fromPort !== undefined ? 1 : 0);
      if (score > bestScore) {
        best = e;
        bestScore = score;
      }
    }
    return best;
  }

  private renew(e: Expectation<T>, now: number): void {
    e.refreshedAt = now;
    e.expiresAt = now + this.lifetimeSeconds;
    // Move to the end of the expiry order.
    this.order.delete(e.seq);
    e.seq = this.nextSeq++;
    this.order.set(e.seq, e);
  }

  private evictOldest(): void {
    const first = this.order.values().next();
    if (first.done === true) return;
    const e = first.value;
    this.remove(e);
    this.counters.evicted++;
    if (this.onEvict !== undefined) this.onEvict(e);
  }

  private remove(e: Expectation<T>): void {
    if (e.seq === 0) return;
    this.order.delete(e.seq);
    e.seq = 0;
    const n = (this.ports.get(e.key.port) ?? 1) - 1;
    if (n > 0) this.ports.set(e.key.port, n);
    else this.ports.delete(e.key.port);
    const bucketKey = listenerKey(e.key.proto, e.key.ip, e.key.port);
    const bucket = this.byListener.get(bucketKey);
    if (bucket === undefined) return;
    const i = bucket.indexOf(e);
    if (i >= 0) bucket.splice(i, 1);
    if (bucket.length === 0) this.byListener.delete(bucketKey);
  }
}
