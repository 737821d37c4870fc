/**
 * The rule lookup index, built once per catalog (and inventory): which rules could document a
 * flow to a given server port. Exact ports live in a Map per transport; ranges, formulas,
 * ephemeral ranges and dynamic fallback ranges are cut into disjoint elementary segments, each
 * holding the rules that cover it, found by binary search. A lookup therefore costs one map probe
 * plus O(log n) over the segment starts, whatever the size of the catalog; the per-port answer is
 * cached so repeated ports cost one map probe.
 *
 * The index is deliberately generous (a formula is indexed over every value its parameters take
 * anywhere: defaults, `--param`, every inventory host, its envelope); the classifier then checks
 * each candidate exactly with the flow's own hosts.
 */
import type { Catalog, LinearExpr, Params, Product, Rule, TransportProto } from '../catalog/types.js';

export interface IndexedRule {
  product: Product;
  rule: Rule;
  /** `product/rule`. */
  id: string;
}

interface Segment {
  from: number;
  to: number;
  rules: IndexedRule[];
}

const PORT_CACHE_MAX = 8192;

/** Evaluates one end of a formula; undefined when a parameter has no value. */
export function evaluateLinear(expr: LinearExpr, value: (param: string) => number | undefined): number | undefined {
  let v = expr.base;
  for (const t of expr.terms) {
    const p = value(t.param);
    if (p === undefined) return undefined;
    v += t.coeff * p;
  }
  return v;
}

export class RuleIndex {
  private readonly exact: Record<TransportProto, Map<number, IndexedRule[]>> = { tcp: new Map(), udp: new Map() };
  private readonly segments: Record<TransportProto, Segment[]> = { tcp: [], udp: [] };
  private readonly starts: Record<TransportProto, Int32Array> = { tcp: new Int32Array(0), udp: new Int32Array(0) };
  private readonly cache: Record<TransportProto, Map<number, readonly IndexedRule[]>> = { tcp: new Map(), udp: new Map() };
  /** Rules whose ports are announced FTP data ports. */
  readonly ftpDataRules: IndexedRule[] = [];
  /** Rules whose ports are announced by a portmapper. */
  readonly rpcRules: IndexedRule[] = [];
  readonly byId = new Map<string, IndexedRule>();

  /**
   * @param paramSets every parameter set a formula may be evaluated with (global params, each
   *   inventory host's params); catalog defaults are added here.
   * @param ephemeralBounds the widest ephemeral range per transport over every profile and host override.
   */
  constructor(catalog: Catalog, paramSets: readonly Params[], ephemeralBounds: Record<TransportProto, { from: number; to: number }>) {
    const intervals: Record<TransportProto, Array<{ from: number; to: number; entry: IndexedRule }>> = { tcp: [], udp: [] };
    for (const product of catalog.products) {
      for (const rule of product.rules) {
        const entry: IndexedRule = { product, rule, id: `${product.id}/${rule.id}` };
        this.byId.set(entry.id, entry);
        const spec = rule.ports;
        for (const proto of rule.proto) {
          const addExact = (port: number): void => {
            let list = this.exact[proto].get(port);
            if (list === undefined) this.exact[proto].set(port, (list = []));
            if (!list.includes(entry)) list.push(entry);
          };
          const addRange = (from: number, to: number): void => {
            const lo = Math.max(0, Math.min(from, to));
            const hi = Math.min(65535, Math.max(from, to));
            if (lo <= hi) intervals[proto].push({ from: lo, to: hi, entry });
          };
          switch (spec.kind) {
            case 'port':
              addExact(spec.port);
              break;
            case 'list':
              for (const p of spec.ports) addExact(p);
              break;
            case 'range':
              addRange(spec.from, spec.to);
              break;
            case 'formula': {
              let lo = Infinity;
              let hi = -Infinity;
              const defaults = (name: string): number | undefined => product.params?.[name]?.default;
              const sets: Array<(name: string) => number | undefined> = [defaults];
              for (const ps of paramSets) sets.push((name) => ps[name] ?? defaults(name));
              for (const value of sets) {
                const a = evaluateLinear(spec.from, value);
                const b = evaluateLinear(spec.to, value);
                if (a !== undefined && b !== undefined) {
                  lo = Math.min(lo, a, b);
                  hi = Math.max(hi, a, b);
                }
              }
              if (spec.envelope !== undefined) {
                lo = Math.min(lo, spec.envelope.from);
                hi = Math.max(hi, spec.envelope.to);
              }
              if (lo <= hi) addRange(lo, hi);
              break;
            }
            case 'ephemeral':
              addRange(ephemeralBounds[proto].from, ephemeralBounds[proto].to);
              break;
            case 'ftp-data':
              if (proto === 'tcp' && !this.ftpDataRules.includes(entry)) this.ftpDataRules.push(entry);
              for (const f of spec.fallback) addRange(f.from, f.to);
              break;
            case 'rpc-dynamic':
              if (!this.rpcRules.includes(entry)) this.rpcRules.push(entry);
              for (const f of spec.fallback) addRange(f.from, f.to);
              break;
            default: {
              const never: never = spec;
              throw new Error(`unknown port spec ${JSON.stringify(never)}`);
            }
          }
        }
      }
    }
    for (const proto of ['tcp', 'udp'] as const) {
      this.segments[proto] = buildSegments(intervals[proto]);
      this.starts[proto] = Int32Array.from(this.segments[proto].map((s) => s.from));
    }
  }

  /** Rules that could document a flow to `port` over `proto` (exact ports first, then ranges). */
  lookup(proto: TransportProto, port: number): readonly IndexedRule[] {
    const cache = this.cache[proto];
    const hit = cache.get(port);
    if (hit !== undefined) return hit;
    const exact = this.exact[proto].get(port);
    const seg = this.findSegment(proto, port);
    let out: readonly IndexedRule[];
    if (seg === undefined) out = exact ?? [];
    else if (exact === undefined) out = seg.rules;
    else out = [...exact, ...seg.rules.filter((r) => !exact.includes(r))];
    if (cache.size >= PORT_CACHE_MAX) cache.clear();
    cache.set(port, out);
    return out;
  }

  private findSegment(proto: TransportProto, port: number): Segment | undefined {
    const starts = this.starts[proto];
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= port) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return undefined;
    const seg = this.segments[proto][found]!;
    return port <= seg.to ? seg : undefined;
  }

  /** Number of elementary segments per transport (for tests of the index's shape). */
  segmentCount(proto: TransportProto): number {
    return this.segments[proto].length;
  }
}

/** Cuts possibly overlapping intervals into disjoint segments, each listing every interval covering it. */
function buildSegments(intervals: Array<{ from: number; to: number; entry: IndexedRule }>): Segment[] {
  if (intervals.length === 0) return [];
  const bounds = new Set<number>();
  for (const iv of intervals) {
    bounds.add(iv.from);
    bounds.add(iv.to + 1);
  }
  const points = [...bounds].sort((a, b) => a - b);
  const byStart = [...intervals].sort((a, b) => a.from - b.from);
  const segments: Segment[] = [];
  const active: Array<{ to: number; entry: IndexedRule }> = [];
  let next = 0;
  for (let i = 0; i < points.length - 1; i++) {
    const from = points[i]!;
    const to = points[i + 1]! - 1;
    while (next < byStart.length && byStart[next]!.from <= from) {
      active.push({ to: byStart[next]!.to, entry: byStart[next]!.entry });
      next++;
    }
    for (let j = active.length - 1; j >= 0; j--) if (active[j]!.to < from) active.splice(j, 1);
    if (active.length === 0) continue;
    const rules: IndexedRule[] = [];
    for (const a of active) if (!rules.includes(a.entry)) rules.push(a.entry);
    const prev = segments[segments.length - 1];
    if (prev !== undefined && prev.to === from - 1 && sameRules(prev.rules, rules)) prev.to = to;
    else segments.push({ from, to, rules });
  }
  return segments;
}

function sameRules(a: readonly IndexedRule[], b: readonly IndexedRule[]): boolean {
  if (a.length !== b.length) return false;
  for (const r of a) if (!b.includes(r)) return false;
  return true;
}

/**
 * Fixed listener ports the catalog documents (single ports, lists, ranges up to 64 ports wide):
 * given to the flow table so that, when it must infer which side is the server (mid-stream TCP,
 * UDP, logs without direction), a documented port counts as a service port.
 */
export function documentedServerPorts(catalog: Catalog): number[] {
  const out = new Set<number>();
  for (const p of catalog.products) {
    for (const r of p.rules) {
      const s = r.ports;
      if (s.kind === 'port') out.add(s.port);
      else if (s.kind === 'list') for (const x of s.ports) out.add(x);
      else if (s.kind === 'range' && s.to - s.from < 64) for (let x = s.from; x <= s.to; x++) out.add(x);
    }
  }
  return [...out].sort((a, b) => a - b);
}
