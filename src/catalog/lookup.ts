/**
 * "What documents this port?" — every rule of every product whose destination ports (fixed,
 * list, range, formula with the parameter values given, dynamic fallback ranges) or fixed source
 * port hold the port, plus the OS ephemeral profiles whose range holds it. Backs
 * `portolan catalog lookup`; the classifier asks the same question with more context.
 */
import { ephemeralProfilesContaining } from './ephemeral.js';
import type { PortContext, ResolvedPorts } from './ports.js';
import { describePortSpec, formatRanges, rangeIndexOf, resolvePortSpec } from './ports.js';
import type { Catalog, Conditions, EphemeralProfile, Level, Params, PortSpec, Product, Rule, TransportProto } from './types.js';

/**
 * How the port was matched:
 * - `destination`: the rule's fixed port, list, range or formula (with values or defaults);
 * - `envelope`: a formula's documented envelope, because a parameter was not given;
 * - `fallback`: a dynamic rule's fallback range (ftp-data, rpc-dynamic);
 * - `ephemeral`: an `ephemeral` rule, through the listener's OS range;
 * - `source`: the rule's fixed source port (NTP 123, active FTP data 20);
 * - `rpc-program`: an ONC RPC program number (lookupRpcProgram);
 * - `ephemeral-profile`: an OS ephemeral range (a client's source port).
 */
export type LookupMatch = 'destination' | 'envelope' | 'fallback' | 'ephemeral' | 'source' | 'rpc-program' | 'ephemeral-profile';

export interface LookupHit {
  kind: 'rule' | 'ephemeral-profile';
  /** Product id; null for an OS profile that no product document states. */
  product: string | null;
  /** Rule id (or profile id). */
  rule: string;
  service: string;
  proto: TransportProto[];
  protoStated: boolean;
  /** Destination ports in words, with parameter values: `3000..3050 (max_open_server=25)`. */
  ports: string;
  /** Source-port constraint in words, when the rule has one. */
  sourcePorts?: string;
  match: LookupMatch;
  level: Level;
  condition?: string;
  conditions?: Conditions;
  /** Initiator role (`*` = any host). */
  from: string;
  /** Listener role. */
  to: string;
  local?: boolean;
  /** The port is chosen at run time (announced, or an OS range). */
  dynamic: boolean;
  /** Parameter values used (given or default). */
  params: Params;
  /** Parameters the rule needs that were not given and have no default. */
  missingParams: string[];
  /** What a reader must know to trust the match. */
  notes: string[];
  source: { document: string; section: string };
  seeAlso?: Array<{ document: string; section: string }>;
  interpretation?: string;
}

export interface LookupOptions {
  /** What is known of the host (OS for ephemeral rules, model for per-model fallbacks). */
  context?: PortContext;
}

function productParams(product: Product, params: Params): Params {
  const out: Params = {};
  for (const name of Object.keys(product.params ?? {})) {
    const v = params[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function contextFor(rule: Rule, proto: TransportProto | undefined, base: PortContext): PortContext {
  const ctx: PortContext = { ...base, proto: proto ?? base.proto ?? rule.proto[0] ?? 'tcp' };
  const os = rule.conditions?.os?.[0];
  if (ctx.os === undefined && os !== undefined) ctx.os = os;
  return ctx;
}

function matchOf(spec: PortSpec, resolved: ResolvedPorts): LookupMatch {
  if (resolved.envelope) return 'envelope';
  if (spec.kind === 'ephemeral') return 'ephemeral';
  if (spec.kind === 'ftp-data' || spec.kind === 'rpc-dynamic') return 'fallback';
  return 'destination';
}

function ruleNotes(rule: Rule): string[] {
  const notes: string[] = [];
  if (!rule.protoStated) notes.push('the document names no protocol: the rule covers TCP and UDP');
  if (rule.local === true) notes.push('the document says this traffic stays on the host');
  if (rule.configurable === true) notes.push('the document gives this port as a configurable default');
  return notes;
}

function ruleHit(
  product: Product,
  rule: Rule,
  match: LookupMatch,
  ports: string,
  resolved: ResolvedPorts | undefined,
  extraNotes: string[],
): LookupHit {
  return {
    kind: 'rule',
    product: product.id,
    rule: rule.id,
    service: rule.service,
    proto: [...rule.proto],
    protoStated: rule.protoStated,
    ports,
    ...(rule.sourcePorts === undefined ? {} : { sourcePorts: describePortSpec(rule.sourcePorts) }),
    match,
    level: rule.level,
    ...(rule.condition === undefined ? {} : { condition: rule.condition }),
    ...(rule.conditions === undefined ? {} : { conditions: rule.conditions }),
    from: rule.from,
    to: rule.to,
    ...(rule.local === undefined ? {} : { local: rule.local }),
    dynamic: resolved?.dynamic ?? false,
    params: resolved?.usedParams ?? {},
    missingParams: resolved?.missingParams ?? [],
    notes: [...extraNotes, ...(resolved?.notes ?? []), ...ruleNotes(rule)],
    source: { document: rule.source.document, section: rule.source.section },
    ...(rule.seeAlso === undefined ? {} : { seeAlso: rule.seeAlso.map((s) => ({ document: s.document, section: s.section })) }),
    ...(rule.interpretation === undefined ? {} : { interpretation: rule.interpretation }),
  };
}

function fixedSourceContains(spec: PortSpec | undefined, port: number): boolean {
  if (spec === undefined) return false;
  if (spec.kind === 'port') return spec.port === port;
  if (spec.kind === 'list') return spec.ports.includes(port);
  return false;
}

/** An OS ephemeral profile as a lookup item. */
export function profileHit(p: EphemeralProfile): LookupHit {
  const conditions: Conditions = { os: [p.os] };
  if (p.releases !== undefined) conditions.releases = p.releases;
  return {
    kind: 'ephemeral-profile',
    product: p.product ?? null,
    rule: p.id,
    service: `ephemeral ports (${p.os})`,
    proto: [...p.proto],
    protoStated: true,
    ports: formatRanges([[p.from, p.to]]),
    match: 'ephemeral-profile',
    level: 'conditional',
    condition: `client source port on ${p.os} hosts${p.releases === undefined ? '' : `, releases ${p.releases}`}`,
    conditions,
    from: '*',
    to: '*',
    dynamic: true,
    params: {},
    missingParams: [],
    notes: [
      `in this range a port may be the source port of a client on a ${p.os} host, not a service`,
      ...(p.source === undefined ? [] : [`the document row: "${p.source.text}"`]),
    ],
    source: p.source === undefined ? { document: p.reference, section: 'ephemeral port profile' } : { document: p.source.document, section: p.source.section },
  };
}

/**
 * Every rule documenting `port` (for `proto`, or either transport when undefined), most specific
 * first (narrow ranges before wide ones, then catalog order), then the ephemeral
 * profiles holding it. `params` are formula parameter values by name
 * (each product uses the ones it declares).
 */
export function lookupPort(
  catalog: Catalog,
  port: number,
  proto: TransportProto | undefined,
  params: Params,
  opts: LookupOptions = {},
): LookupHit[] {
  // Most specific first: the narrowest matching range (a fixed port is 0 wide), fixed before
  // announced at equal width, then catalog order (the sort is stable).
  const found: Array<{ hit: LookupHit; dynamic: boolean; span: number }> = [];
  const base: PortContext = { profiles: catalog.ephemeralProfiles, ...(opts.context ?? {}) };
  for (const product of catalog.products) {
    const defs = product.params ?? {};
    const given = productParams(product, params);
    for (const rule of product.rules) {
      if (proto !== undefined && !rule.proto.includes(proto)) continue;
      const resolved = resolvePortSpec(rule.ports, given, defs, contextFor(rule, proto, base));
      const idx = rangeIndexOf(resolved.ranges, port);
      const asSource = fixedSourceContains(rule.sourcePorts, port);
      if (idx >= 0) {
        const label = resolved.labels[idx] ?? '';
        const notes = label !== '' && label !== 'envelope' ? [label] : [];
        if (asSource) notes.push(`${port} is also the rule's source port`);
        const [lo = port, hi = port] = resolved.ranges[idx] ?? [];
        found.push({
          hit: ruleHit(product, rule, matchOf(rule.ports, resolved), resolved.text, resolved, notes),
          dynamic: resolved.dynamic,
          span: hi - lo,
        });
      } else if (asSource) {
        found.push({
          hit: ruleHit(product, rule, 'source', resolved.text, resolved, [`${port} is the rule's source port; the destination is ${resolved.text}`]),
          dynamic: false,
          span: 0,
        });
      }
    }
  }
  found.sort((a, b) => a.span - b.span || Number(a.dynamic) - Number(b.dynamic));
  const hits = found.map((f) => f.hit);
  for (const p of ephemeralProfilesContaining(port, proto, catalog.ephemeralProfiles)) hits.push(profileHit(p));
  return hits;
}

/** Every rule whose ports are ONC RPC program `program` (e.g. 100005, mountd), in catalog order. */
export function lookupRpcProgram(catalog: Catalog, program: number, proto: TransportProto | undefined, params: Params = {}): LookupHit[] {
  const hits: LookupHit[] = [];
  for (const product of catalog.products) {
    for (const rule of product.rules) {
      if (proto !== undefined && !rule.proto.includes(proto)) continue;
      if (rule.ports.kind !== 'rpc-dynamic' || rule.ports.program !== program) continue;
      const resolved = resolvePortSpec(rule.ports, productParams(product, params), product.params ?? {}, contextFor(rule, proto, {}));
      hits.push(ruleHit(product, rule, 'rpc-program', resolved.text, resolved, [`${program} is an ONC RPC program number; its port is announced by the portmapper`]));
    }
  }
  return hits;
}

/** Names of every parameter any product declares, sorted. */
export function catalogParamNames(catalog: Catalog): string[] {
  const names = new Set<string>();
  for (const p of catalog.products) for (const n of Object.keys(p.params ?? {})) names.add(n);
  return [...names].sort();
}

/**
 * The FTP control ports the catalog states: the TCP ports of every rule an `ftp-data` rule names
 * as its control channel (21 in the built-in products; a user's product may state another). The
 * FTP observer follows these besides 21.
 */
export function ftpControlPorts(catalog: Catalog): number[] {
  const out = new Set<number>();
  for (const p of catalog.products) {
    for (const r of p.rules) {
      if (r.ports.kind !== 'ftp-data' || r.ports.control.length === 0) continue;
      const control = r.ports.control;
      const rule = p.rules.find((c) => c.id === control);
      if (rule === undefined || !rule.proto.includes('tcp')) continue;
      const s = rule.ports;
      if (s.kind === 'port') out.add(s.port);
      else if (s.kind === 'list') for (const x of s.ports) out.add(x);
    }
  }
  return [...out].sort((a, b) => a - b);
}
