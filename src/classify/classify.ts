/**
 * Classifies one flow against the catalog (DESIGN.md "Classification"): which rules could document
 * it, which fits best, its documentation status, its reachability, and from the two its finding,
 * with the reason in words a person can check.
 *
 * Matching, per flow:
 * 1. Candidates come from the rule index by transport and server port (O(log n), cached per port).
 * 2. Each candidate's port spec is checked exactly: fixed ports, ranges, formulas with the
 *    listener's parameters (inventory host → `--param` → documented default → envelope), the
 *    listener's OS ephemeral range, dynamic fallback ranges (with their model conditions).
 * 3. With an inventory, the rule's `from`/`to` roles must fit the client and server (roles act as
 *    the roles they list in `actsAs`; broadcast/multicast destinations fit any role), its conditions
 *    (model, OS, release, features) must hold for the product's hosts, and the client's source port
 *    is checked against the rule's `sourcePorts` and the client's OS ephemeral range. A rule whose
 *    roles fit only the other way round makes the flow a wrong-direction flow.
 *    Without an inventory every rule that fits by port is listed, ranked, and the reason says so.
 * 4. FTP data, RPC and TFTP data flows marked by the observers are documented through their control
 *    flow: the control flow's endpoints are matched as above, and when its rule is documented the
 *    data flow is `dynamic`, documented by the product's `ftp-data` / `rpc-dynamic` rule.
 */
import type { Catalog, Params, PortSpec, Product, Rule, TransportProto } from '../catalog/types.js';
import type { AppMark, Endpoint, Flow } from '../model.js';
import { BLOCKED_OUTCOMES } from '../model.js';
import type { Inventory, InventoryHost } from '../inventory/inventory.js';
import type { ClassifiedFlow, DocStatus, Finding, Reachability, RuleMatch, Severity } from './types.js';
import { RuleIndex, evaluateLinear } from './rule-index.js';
import type { IndexedRule } from './rule-index.js';
import { SideResolver, checkConditions, conditionWords, ephemeralBounds, fitsRole, inProduct, selectProfile } from './hosts.js';
import type { Side } from './hosts.js';
import { blockedWords, flowText, levelWords, parseFlowText, portSpecWords, roleName, ruleDirection, ruleTitle, timeOfDay } from './text.js';

export interface ClassifierOptions {
  inventory?: Inventory | undefined;
  /** `--param name=value`: parameters for every host (an inventory host's own params win). */
  params?: Params;
}

/** One side of a service key. */
export interface EndIdentity {
  label: string;
  kind: 'role' | 'host' | 'address';
  product: string | null;
  role: string | null;
}

/** What a flow aggregates under (see `ServiceRow` in report/types.ts). */
export interface ServiceIdentity {
  key: string;
  client: EndIdentity;
  server: EndIdentity;
  port: number | null;
  keyRule: string | null;
}

export interface Verdict {
  flow: ClassifiedFlow;
  service: ServiceIdentity;
  /** `product/rule` ids that documented the flow (for catalog coverage). */
  documentedBy: string[];
}

/** Extra facts the caller knows about a flow (the classify stream uses it for TFTP requests). */
export interface ClassifyHints {
  /** Id of a flow that answered this one from another port (TFTP data answering a request to 69). */
  answeredBy?: string;
}

type Confidence = RuleMatch['confidence'];

interface Match {
  entry: IndexedRule;
  confidence: Confidence;
  /** `tcp/5808`, `3017 in 3000..3050 (max_open_server=25 from inventory host vos-a)`, ... */
  portDetail: string;
  dynamic: boolean;
  specificity: number;
  /** Too broad to document anything by port alone (dynamic fallbacks, ephemeral, ranges over 1024 ports). */
  weak: boolean;
  /** 2: the rule's source-port constraint holds; 1: the rule has none; 0: it does not hold. */
  srcScore: number;
  /** 2: conditions stated and known to hold; 1: no conditions; 0: assumed. */
  condScore: number;
  notes: string[];
}

interface MatchResult {
  sides: { client: Side; server: Side };
  flipped: boolean;
  matches: Match[];
  /** Rules the flow reverses (the listener's role opened the connection). */
  reversed: Match[];
  /** Near misses in words, for undocumented reasons. */
  hints: string[];
  portOnly: boolean;
  /** Weak candidates (port-only mode): named in the reason, never documenting. */
  weak: Match[];
}

const CONFIDENCE_RANK: Record<Confidence, number> = { exact: 3, announced: 3, fallback: 2, 'port-only': 1 };
const LEVEL_RANK: Record<Rule['level'], number> = { required: 5, conditional: 4, optional: 3, 'not-used': 2, 'should-block': 1 };
const WIDE_RANGE = 1024;
const CONTROL_CACHE_MAX = 4096;
const MAX_HINTS = 2;
const MAX_ALSO = 4;

/**
 * UDP services that never answer on the same 5-tuple, so "no reply seen" is normal and not a block:
 * syslog (RFC 5426, port 514), SNMP traps (RFC 3416 §4.2.6, port 162), NetFlow v9 (RFC 3954, 2055),
 * IPFIX (RFC 7011, 4739), sFlow (6343).
 */
const ONE_WAY_UDP_PORTS: ReadonlyMap<number, string> = new Map([
  [514, 'syslog'],
  [162, 'SNMP traps'],
  [2055, 'NetFlow'],
  [4739, 'IPFIX'],
  [6343, 'sFlow'],
]);

/**
 * ICMP and ICMPv6 messages that are the network's own control traffic, not a service a document
 * would list: errors (RFC 792, RFC 4443 §3), redirects, router and neighbour discovery (RFC 4861),
 * multicast listener discovery (RFC 2710, RFC 3810), router advertisement/selection (RFC 1256).
 */
const ICMP_CONTROL_TYPES: Record<'icmp' | 'icmpv6', ReadonlyMap<number, string>> = {
  icmp: new Map([
    [3, 'destination unreachable'],
    [4, 'source quench'],
    [5, 'redirect'],
    [9, 'router advertisement'],
    [10, 'router solicitation'],
    [11, 'time exceeded'],
    [12, 'parameter problem'],
  ]),
  icmpv6: new Map([
    [1, 'destination unreachable'],
    [2, 'packet too big'],
    [3, 'time exceeded'],
    [4, 'parameter problem'],
    [130, 'multicast listener query'],
    [131, 'multicast listener report'],
    [132, 'multicast listener done'],
    [133, 'router solicitation'],
    [134, 'router advertisement'],
    [135, 'neighbour solicitation'],
    [136, 'neighbour advertisement'],
    [137, 'redirect'],
    [143, 'multicast listener report v2'],
  ]),
};

/** Other IP protocols that are network control (IGMP RFC 3376; OSPF RFC 2328; PIM RFC 7761; VRRP RFC 5798; CARP). */
const CONTROL_PROTOCOLS: ReadonlyMap<string, string> = new Map([
  ['ip-2', 'IGMP'],
  ['ip-89', 'OSPF'],
  ['ip-103', 'PIM'],
  ['ip-112', 'VRRP/CARP'],
]);

const SEVERITY_OF: Record<Finding, Severity> = {
  ok: 'none',
  info: 'info',
  'broken-requirement': 'high',
  exposure: 'high',
  'deprecated-in-use': 'medium',
  undocumented: 'medium',
};

/** The finding for a status and reachability (DESIGN.md table). `level` and `controlDocumented` refine documented/dynamic flows. */
export function findingFor(status: DocStatus, reachability: Reachability, level: Rule['level'] | undefined, controlDocumented = true): Finding {
  const blocked = reachability === 'blocked';
  switch (status) {
    case 'documented':
      if (!blocked) return 'ok';
      return level === 'optional' ? 'info' : 'broken-requirement';
    case 'dynamic':
      if (!blocked) return 'ok';
      if (level === 'optional') return 'info';
      return controlDocumented ? 'broken-requirement' : 'info';
    case 'should-block':
      return blocked ? 'ok' : 'exposure';
    case 'not-used':
      return blocked ? 'ok' : 'deprecated-in-use';
    case 'undocumented':
      return blocked ? 'info' : 'undocumented';
    default: {
      const never: never = status;
      return never;
    }
  }
}

export function severityOf(finding: Finding): Severity {
  return SEVERITY_OF[finding];
}

function statusOfLevel(rule: Rule, dynamic: boolean): DocStatus {
  if (rule.level === 'should-block') return 'should-block';
  if (rule.level === 'not-used') return 'not-used';
  return dynamic ? 'dynamic' : 'documented';
}

function isTransport(proto: string): proto is TransportProto {
  return proto === 'tcp' || proto === 'udp';
}

function specInPort(spec: PortSpec | undefined, port: number): boolean | undefined {
  if (spec === undefined) return undefined;
  switch (spec.kind) {
    case 'port':
      return spec.port === port;
    case 'list':
      return spec.ports.includes(port);
    case 'range':
      return port >= spec.from && port <= spec.to;
    default:
      return undefined;
  }
}

function compareMatches(a: Match, b: Match): number {
  return (
    CONFIDENCE_RANK[b.confidence] - CONFIDENCE_RANK[a.confidence] ||
    b.srcScore - a.srcScore ||
    b.condScore - a.condScore ||
    b.specificity - a.specificity ||
    LEVEL_RANK[b.entry.rule.level] - LEVEL_RANK[a.entry.rule.level] ||
    (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0)
  );
}

function describeSide(side: Side): string {
  const h = side.host;
  if (h === undefined) return `${side.ep.ip} (not in the inventory)`;
  const roles = h.roles.map((r) => r.role).join(', ');
  return roles.length > 0 ? `${h.name} (${roles})` : `${h.name} (no role)`;
}

function swapFlow(flow: Flow): Flow {
  return {
    ...flow,
    client: flow.server,
    server: flow.client,
    packets: { client: flow.packets.server, server: flow.packets.client },
    bytes: { client: flow.bytes.server, server: flow.bytes.client },
  };
}

export class Classifier {
  readonly catalog: Catalog;
  readonly inventory: Inventory | undefined;
  readonly params: Params;
  readonly index: RuleIndex;
  private readonly sides: SideResolver;
  private readonly productById: Map<string, Product>;
  private readonly controlCache = new Map<string, MatchResult>();

  constructor(catalog: Catalog, options: ClassifierOptions = {}) {
    this.catalog = catalog;
    this.inventory = options.inventory;
    this.params = { ...(options.params ?? {}) };
    const paramSets: Params[] = [this.params];
    for (const h of this.inventory?.hosts ?? []) paramSets.push({ ...this.params, ...h.params });
    this.index = new RuleIndex(catalog, paramSets, ephemeralBounds(catalog, this.inventory));
    this.sides = new SideResolver(catalog, this.inventory);
    this.productById = new Map(catalog.products.map((p) => [p.id, p]));
  }

  /** Classifies one flow. */
  classify(flowIn: Flow, hints: ClassifyHints = {}): Verdict {
    if (!isTransport(flowIn.proto)) return this.classifyPortless(flowIn);
    const app = flowIn.app;
    if (app !== undefined && (app.kind === 'ftp-data' || app.kind === 'rpc' || app.kind === 'tftp-data')) {
      const v = this.classifyAnnounced(flowIn, flowIn.proto, app);
      if (v !== undefined) return v;
    }
    const result = this.match(flowIn.proto, flowIn.client, flowIn.server, flowIn.directionInferred);
    const flow = result.flipped ? swapFlow(flowIn) : flowIn;
    const reach = this.reachability(flow, hints);
    const best = result.matches[0];
    if (best !== undefined) return this.documentedVerdict(flow, result, best, reach);
    if (result.reversed.length > 0) return this.wrongDirectionVerdict(flow, result, result.reversed[0]!, reach);
    return this.undocumentedVerdict(flow, result, reach);
  }

  // --- matching -------------------------------------------------------------------------------

  private match(proto: TransportProto, client: Endpoint, server: Endpoint, inferred: boolean): MatchResult {
    const clientSide = this.sides.side(client);
    const serverSide = this.sides.side(server);
    const forward = this.matchOriented(proto, clientSide, serverSide, false);
    if (forward.matches.length > 0 || !inferred) return forward;
    // Read the flow the other way round only when that fits a rule on a fixed port: a port in a
    // range (an ephemeral or fallback range above all) says nothing about which side listened.
    const flipped = this.matchOriented(proto, serverSide, clientSide, true);
    const best = flipped.matches[0];
    const kind = best?.entry.rule.ports.kind;
    if (best !== undefined && !best.weak && best.confidence !== 'fallback' && (kind === 'port' || kind === 'list')) return flipped;
    return forward;
  }

  private matchOriented(proto: TransportProto, client: Side, server: Side, flipped: boolean): MatchResult {
    const portOnly = this.inventory === undefined;
    const result: MatchResult = { sides: { client, server }, flipped, matches: [], reversed: [], hints: [], portOnly, weak: [] };
    for (const entry of this.index.lookup(proto, server.ep.port)) {
      const m = this.fitPort(entry, proto, server.ep.port, client, server, portOnly);
      if (m === undefined) continue;
      if (portOnly) {
        if (m.weak) result.weak.push(m);
        else result.matches.push(m);
        continue;
      }
      const { rule, product } = entry;
      if (rule.local === true && client.ep.ip !== server.ep.ip && !(client.loopback && server.loopback)) {
        if (result.hints.length < MAX_HINTS) result.hints.push(`${ruleTitle(product, rule)} covers ${proto}/${server.ep.port} on the host itself only`);
        continue;
      }
      // A broadcast or unspecified address fits any role only beside a host the inventory knows:
      // DHCP from 0.0.0.0 to 255.255.255.255 is nobody's documented flow.
      const anchored = client.host !== undefined || server.host !== undefined || (rule.from === '*' && rule.to === '*');
      const forward = anchored && fitsRole(client, product.id, rule.from) && fitsRole(server, product.id, rule.to);
      if (!forward) {
        const reverse = (rule.from !== '*' || rule.to !== '*') && fitsRole(client, product.id, rule.to) && fitsRole(server, product.id, rule.from);
        if (reverse && !client.anyRole && !server.anyRole) {
          result.reversed.push(m);
        } else if (result.hints.length < MAX_HINTS && (inProduct(client, product.id) || inProduct(server, product.id))) {
          // A near miss worth naming: a host of this product on a port its rules use, between the wrong roles.
          result.hints.push(`by port it would be ${product.name} rule ${rule.id}, documented for ${ruleDirection(product, rule)}`);
        }
        continue;
      }
      const productHosts: InventoryHost[] = [];
      if (client.host !== undefined && inProduct(client, product.id)) productHosts.push(client.host);
      if (server.host !== undefined && inProduct(server, product.id)) productHosts.push(server.host);
      const cond = checkConditions(rule.conditions, productHosts);
      if (cond.result === 'no') {
        if (result.hints.length < MAX_HINTS) result.hints.push(`${ruleTitle(product, rule)} ${cond.note ?? 'does not apply'}`);
        continue;
      }
      if (cond.result === 'unknown') {
        m.condScore = 0;
        m.notes.push(cond.note ?? 'conditions assumed');
      } else {
        m.condScore = rule.conditions === undefined ? 1 : 2;
      }
      this.checkSourcePort(m, proto, client);
      result.matches.push(m);
    }
    result.matches.sort(compareMatches);
    result.reversed.sort(compareMatches);
    result.weak.sort(compareMatches);
    return result;
  }

  /** Checks a candidate's port spec; undefined when the port is not one the rule covers. */
  private fitPort(entry: IndexedRule, proto: TransportProto, port: number, client: Side, server: Side, portOnly: boolean): Match | undefined {
    const spec = entry.rule.ports;
    const base = (portDetail: string, specificity: number, dynamic: boolean, weak: boolean, confidence: Confidence): Match => ({
      entry,
      confidence: portOnly ? 'port-only' : confidence,
      portDetail,
      dynamic,
      specificity,
      weak,
      srcScore: 1,
      condScore: 1,
      notes: [],
    });
    switch (spec.kind) {
      case 'port':
        return spec.port === port ? base(`${proto}/${port}`, 6, false, false, 'exact') : undefined;
      case 'list':
        return spec.ports.includes(port) ? base(`${proto}/${port} (one of ${spec.ports.join(', ')})`, 5, false, false, 'exact') : undefined;
      case 'range': {
        if (port < spec.from || port > spec.to) return undefined;
        const wide = spec.to - spec.from + 1 > WIDE_RANGE;
        return base(`${proto}/${port} in ${spec.from}-${spec.to}`, wide ? 2 : 4, false, wide, 'exact');
      }
      case 'formula':
        return this.fitFormula(entry, spec, port, client, server, base);
      case 'ephemeral': {
        const host = server.host;
        const override = host?.ephemeral?.[proto];
        if (override !== undefined) {
          if (port < override.from || port > override.to) return undefined;
          return base(`${proto}/${port} in ${host!.name}'s ephemeral range ${override.from}-${override.to} (from the inventory)`, 2, true, true, 'exact');
        }
        if (host?.os !== undefined) {
          const profile = selectProfile(this.catalog.ephemeralProfiles, host.os, host.release, proto);
          if (profile !== undefined) {
            if (port < profile.from || port > profile.to) return undefined;
            return base(`${proto}/${port} in the ${profile.os} ephemeral range ${profile.from}-${profile.to} of the listener ${host.name}`, 2, true, true, 'exact');
          }
        }
        const iana = this.catalog.ephemeralProfiles.find((p) => p.id === 'iana') ?? { from: 49152, to: 65535 };
        if (port < iana.from || port > iana.to) return undefined;
        return base(`${proto}/${port} in the IANA ephemeral range ${iana.from}-${iana.to} (the listener's OS is not in the inventory)`, 1, true, true, 'fallback');
      }
      case 'ftp-data':
      case 'rpc-dynamic': {
        for (const f of spec.fallback) {
          if (port < f.from || port > f.to) continue;
          const cond = checkConditions(f.when, server.host !== undefined ? [server.host] : []);
          if (cond.result === 'no' && !portOnly) continue;
          const what = spec.kind === 'ftp-data' ? 'no FTP announcement was seen for this flow' : 'no portmapper announcement was seen for this flow';
          const m = base(`${proto}/${port} in the fallback range ${f.from}-${f.to} (${f.note}); ${what}, so it is recognised with lower confidence`, 1, true, true, 'fallback');
          if (cond.result === 'unknown' && f.when !== undefined) m.notes.push(`fallback ${conditionWords(f.when)} assumed`);
          return m;
        }
        return undefined;
      }
      default: {
        const never: never = spec;
        return never;
      }
    }
  }

  private fitFormula(
    entry: IndexedRule,
    spec: Extract<PortSpec, { kind: 'formula' }>,
    port: number,
    client: Side,
    server: Side,
    base: (portDetail: string, specificity: number, dynamic: boolean, weak: boolean, confidence: Confidence) => Match,
  ): Match | undefined {
    const product = entry.product;
    const host = server.host !== undefined && inProduct(server, product.id) ? server.host : client.host !== undefined && inProduct(client, product.id) ? client.host : server.host;
    const used = new Map<string, string>();
    const missing: string[] = [];
    const value = (name: string): number | undefined => {
      const fromHost = host?.params[name];
      if (fromHost !== undefined) {
        used.set(name, `${name}=${fromHost} from inventory host ${host!.name}`);
        return fromHost;
      }
      const global = this.params[name];
      if (global !== undefined) {
        used.set(name, `${name}=${global} from --param`);
        return global;
      }
      const def = product.params?.[name]?.default;
      if (def !== undefined) {
        used.set(name, `${name}=${def}, the documented default`);
        return def;
      }
      if (!missing.includes(name)) missing.push(name);
      return undefined;
    };
    const a = evaluateLinear(spec.from, value);
    const b = evaluateLinear(spec.to, value);
    if (a !== undefined && b !== undefined) {
      const lo = Math.min(a, b);
      const hi = Math.max(a, b);
      if (port < lo || port > hi) return undefined;
      const params = [...used.values()].join(', ');
      const where = lo === hi ? `${port} = ${spec.text}` : `${port} in ${lo}..${hi}`;
      return base(`${where}${params.length > 0 ? ` (${params})` : ''}`, 4, true, hi - lo + 1 > WIDE_RANGE, 'exact');
    }
    if (spec.envelope !== undefined && port >= spec.envelope.from && port <= spec.envelope.to) {
      return base(
        `${port} in ${spec.envelope.from}..${spec.envelope.to}, the envelope of ${spec.text} (${missing.join(', ')} not known: set it in the inventory or with --param)`,
        3,
        true,
        spec.envelope.to - spec.envelope.from + 1 > WIDE_RANGE,
        'exact',
      );
    }
    return undefined;
  }

  /** Checks the client's source port against the rule's `sourcePorts` and the client's ephemeral range. */
  private checkSourcePort(m: Match, proto: TransportProto, client: Side): void {
    const rule = m.entry.rule;
    const port = client.ep.port;
    const host = client.host;
    const override = host?.ephemeral?.[proto];
    const profile = host?.os !== undefined ? selectProfile(this.catalog.ephemeralProfiles, host.os, host.release, proto) : undefined;
    const range = override ?? profile;
    const rangeWords = override !== undefined ? `${host!.name}'s ephemeral range ${override.from}-${override.to} (from the inventory)` : profile !== undefined ? `${host!.name}'s ${profile.os} ephemeral range ${profile.from}-${profile.to}` : '';
    if (rule.sourcePorts?.kind === 'ephemeral') {
      if (range === undefined) return;
      if (port >= range.from && port <= range.to) {
        m.srcScore = 2;
      } else {
        m.srcScore = 0;
        m.notes.push(`source port ${port} is outside ${rangeWords}, where the document expects an ephemeral port`);
      }
      return;
    }
    const fits = specInPort(rule.sourcePorts, port);
    if (fits === true) {
      m.srcScore = 2;
      m.notes.push(`source port ${port} in the documented source ports ${portSpecWords(rule.sourcePorts!)}`);
      return;
    }
    if (fits === false) {
      m.srcScore = 0;
      m.notes.push(`source port ${port} is outside the documented source ports ${portSpecWords(rule.sourcePorts!)}`);
      return;
    }
    if (range !== undefined && (port < range.from || port > range.to)) {
      m.notes.push(`source port ${port} is outside ${rangeWords}`);
    }
  }

  // --- verdicts -------------------------------------------------------------------------------

  private reachability(flow: Flow, hints: ClassifyHints): { reachability: Reachability; words: string | undefined } {
    if (!BLOCKED_OUTCOMES.has(flow.outcome)) {
      const fw = flow.firewall;
      if (fw?.action === 'denied' && fw.lateOnly === true) {
        return { reachability: 'allowed', words: `the firewall denied only late packets of the connection, not its opening (${fw.source}${fw.rule !== undefined ? ` rule "${fw.rule}"` : ''})` };
      }
      return { reachability: 'allowed', words: undefined };
    }
    if (flow.outcome === 'denied' && flow.firewall?.lateOnly === true) {
      return { reachability: 'allowed', words: `the firewall denied only late packets (not a connection attempt): ${blockedWords(flow)}` };
    }
    if (flow.outcome === 'unanswered') {
      if (hints.answeredBy !== undefined) return { reachability: 'allowed', words: `answered from another port (flow ${hints.answeredBy})` };
      if (flow.proto === 'udp' || flow.proto === 'icmp' || flow.proto === 'icmpv6' || flow.proto.startsWith('ip-')) {
        const server = this.sides.side(flow.server);
        if (server.anyRole) return { reachability: 'allowed', words: `sent to ${flow.server.ip}, a broadcast or multicast address, where no reply is expected` };
        const oneWay = flow.proto === 'udp' ? ONE_WAY_UDP_PORTS.get(flow.server.port) : undefined;
        if (oneWay !== undefined) return { reachability: 'allowed', words: `${oneWay} is one-way: no reply is expected` };
      }
    }
    return { reachability: 'blocked', words: blockedWords(flow) };
  }

  private reachWords(reach: { reachability: Reachability; words: string | undefined }): string {
    if (reach.words === undefined) return '';
    return reach.reachability === 'blocked' ? `; blocked: ${reach.words}` : `; allowed: ${reach.words}`;
  }

  private endFor(side: Side, product: Product | undefined, role: string | undefined): EndIdentity {
    if (product !== undefined && role !== undefined && role !== '*' && !side.anyRole) {
      return { label: role, kind: 'role', product: product.id, role };
    }
    if (side.host !== undefined) return { label: side.host.name, kind: 'host', product: null, role: null };
    return { label: side.ep.ip.includes(':') ? `[${side.ep.ip}]` : side.ep.ip, kind: 'address', product: null, role: null };
  }

  private identity(client: EndIdentity, server: EndIdentity, proto: string, portPart: string, port: number | null, keyRule: string | null): ServiceIdentity {
    return { key: `${client.label} → ${server.label} ${proto}${portPart}`, client, server, port, keyRule };
  }

  private serviceFor(flow: Flow, result: MatchResult, best: Match | undefined, viaData?: string): ServiceIdentity {
    const { client, server } = result.sides;
    const roles = best !== undefined && !result.portOnly;
    const cEnd = this.endFor(client, roles ? best.entry.product : undefined, roles ? best.entry.rule.from : undefined);
    const sEnd = this.endFor(server, roles ? best.entry.product : undefined, roles ? best.entry.rule.to : undefined);
    if (viaData !== undefined) {
      return best !== undefined
        ? this.identity(cEnd, sEnd, flow.proto, ` ${viaData} ${best.entry.id}`, null, best.entry.id)
        : this.identity(cEnd, sEnd, flow.proto, ` ${viaData}`, null, null);
    }
    const kind = best?.entry.rule.ports.kind;
    if (best !== undefined && kind !== 'port' && kind !== 'list') {
      return this.identity(cEnd, sEnd, flow.proto, ` ${best.entry.id}`, null, best.entry.id);
    }
    return this.identity(cEnd, sEnd, flow.proto, `/${flow.server.port}`, flow.server.port, null);
  }

  private names(flow: ClassifiedFlow, result: MatchResult, best: Match | undefined): void {
    const { client, server } = result.sides;
    if (client.host !== undefined) flow.clientName = client.host.name;
    if (server.host !== undefined) flow.serverName = server.host.name;
    const cRole = best !== undefined && !result.portOnly && best.entry.rule.from !== '*' ? best.entry.rule.from : client.host?.roles[0]?.role;
    const sRole = best !== undefined && !result.portOnly && best.entry.rule.to !== '*' ? best.entry.rule.to : server.host?.roles[0]?.role;
    if (cRole !== undefined) flow.clientRole = cRole;
    if (sRole !== undefined) flow.serverRole = sRole;
  }

  private build(
    flow: Flow,
    status: DocStatus,
    reach: { reachability: Reachability },
    finding: Finding,
    rules: string[],
    reason: string,
    service: ServiceIdentity,
    confidence: Confidence | undefined,
  ): ClassifiedFlow {
    // Built field by field in one fixed order (not by spreading the flow): one hidden class for
    // every verdict, which keeps this hot path cheap.
    const out: ClassifiedFlow = {
      id: flow.id,
      proto: flow.proto,
      client: flow.client,
      server: flow.server,
      directionInferred: flow.directionInferred,
      first: flow.first,
      last: flow.last,
      packets: flow.packets,
      bytes: flow.bytes,
      history: flow.history,
      outcome: flow.outcome,
      evidence: flow.evidence,
      status,
      reachability: reach.reachability,
      finding,
      severity: severityOf(finding),
      rules,
      reason,
      key: service.key,
    };
    if (flow.vlan !== undefined) out.vlan = flow.vlan;
    if (flow.icmp !== undefined) out.icmp = flow.icmp;
    if (flow.icmpError !== undefined) out.icmpError = flow.icmpError;
    if (flow.firewall !== undefined) out.firewall = flow.firewall;
    if (flow.app !== undefined) out.app = flow.app;
    if (confidence !== undefined) out.confidence = confidence;
    return out;
  }

  private documentedReason(flow: Flow, result: MatchResult, best: Match): string {
    const { product, rule } = best.entry;
    let reason = `${ruleTitle(product, rule)}: ${best.portDetail}`;
    if (best.confidence !== 'fallback' || !best.portDetail.includes('lower confidence')) reason += `, ${levelWords(rule)}`;
    else reason += ` (${levelWords(rule)})`;
    const notes = [...best.notes];
    if (result.flipped) notes.push(`direction inferred: read as ${flowText(flow.client, flow.server)} to fit the rule`);
    if (notes.length > 0) reason += `; ${notes.join('; ')}`;
    if (result.portOnly) {
      reason += '; roles not known (no inventory): matched by port alone';
      const also = result.matches.slice(1, 1 + MAX_ALSO).map((m) => `${m.entry.id} (${levelWords(m.entry.rule)})`);
      const more = result.matches.length - 1 - also.length;
      if (also.length > 0) reason += `; also by port: ${also.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
    }
    return reason;
  }

  private documentedVerdict(flow: Flow, result: MatchResult, best: Match, reach: { reachability: Reachability; words: string | undefined }): Verdict {
    const rule = best.entry.rule;
    const status = statusOfLevel(rule, best.dynamic);
    const finding = findingFor(status, reach.reachability, rule.level);
    const reason = this.documentedReason(flow, result, best) + this.reachWords(reach);
    const rules = result.matches.map((m) => m.entry.id);
    const service = this.serviceFor(flow, result, best);
    const out = this.build(flow, status, reach, finding, rules, reason, service, best.confidence);
    this.names(out, result, best);
    return { flow: out, service, documentedBy: [best.entry.id] };
  }

  private wrongDirectionVerdict(flow: Flow, result: MatchResult, rev: Match, reach: { reachability: Reachability; words: string | undefined }): Verdict {
    const { product, rule } = rev.entry;
    const { client, server } = result.sides;
    const reason =
      `wrong direction: ${ruleTitle(product, rule)} documents ${ruleDirection(product, rule)} on ${flow.proto}/${flow.server.port}, ` +
      `but ${describeSide(client)} opened the connection to ${describeSide(server)}` +
      this.reachWords(reach);
    const finding = findingFor('undocumented', reach.reachability, undefined);
    const cEnd = this.endFor(client, product, rule.to);
    const sEnd = this.endFor(server, product, rule.from);
    const service = this.identity(cEnd, sEnd, flow.proto, `/${flow.server.port}`, flow.server.port, null);
    const out = this.build(flow, 'undocumented', reach, finding, [], reason, service, undefined);
    out.wrongDirection = rev.entry.id;
    if (client.host !== undefined) out.clientName = client.host.name;
    if (server.host !== undefined) out.serverName = server.host.name;
    if (rule.to !== '*') out.clientRole = rule.to;
    if (rule.from !== '*') out.serverRole = rule.from;
    return { flow: out, service, documentedBy: [] };
  }

  private undocumentedReason(flow: Flow, result: MatchResult): string {
    const { client, server } = result.sides;
    let reason = `no catalog rule documents ${flow.proto}/${flow.server.port}`;
    if (!result.portOnly) {
      reason += ` from ${describeSide(client)} to ${describeSide(server)}`;
      if (result.hints.length > 0) reason += `; ${result.hints.join('; ')}`;
    } else {
      reason += ' (roles not known: no inventory)';
      if (result.weak.length > 0) {
        const w = result.weak[0]!;
        reason += `; the port falls in ${ruleTitle(w.entry.product, w.entry.rule)} (${portSpecWords(w.entry.rule.ports)}), which only an inventory can tell apart from other traffic`;
      }
    }
    return reason;
  }

  private undocumentedVerdict(flow: Flow, result: MatchResult, reach: { reachability: Reachability; words: string | undefined }): Verdict {
    let reason = this.undocumentedReason(flow, result);
    let finding = findingFor('undocumented', reach.reachability, undefined);
    const { client, server } = result.sides;
    if (finding === 'undocumented' && (server.linkScope || (client.linkScope && server.linkScope))) {
      finding = 'info';
      reason += `; ${flow.server.ip} is link-scoped, so this traffic never crosses a router or firewall`;
    }
    reason += this.reachWords(reach);
    const service = this.serviceFor(flow, result, undefined);
    const out = this.build(flow, 'undocumented', reach, finding, [], reason, service, undefined);
    this.names(out, result, undefined);
    return { flow: out, service, documentedBy: [] };
  }

  /** ICMP, ICMPv6 and IP protocols without ports: the catalog has no rules for them. */
  private classifyPortless(flow: Flow): Verdict {
    const reach = this.reachability(flow, {});
    const result: MatchResult = {
      sides: { client: this.sides.side(flow.client), server: this.sides.side(flow.server) },
      flipped: false,
      matches: [],
      reversed: [],
      hints: [],
      portOnly: this.inventory === undefined,
      weak: [],
    };
    let what: string;
    let portPart: string;
    let control: string | undefined;
    if ((flow.proto === 'icmp' || flow.proto === 'icmpv6') && flow.icmp !== undefined) {
      const name = ICMP_CONTROL_TYPES[flow.proto].get(flow.icmp.type);
      what = `${flow.proto === 'icmp' ? 'ICMP' : 'ICMPv6'} type ${flow.icmp.type}${name !== undefined ? ` (${name})` : ''}`;
      portPart = ` type ${flow.icmp.type}`;
      control = name;
    } else if (flow.proto === 'sctp') {
      what = `sctp/${flow.server.port}`;
      portPart = `/${flow.server.port}`;
      control = undefined;
    } else {
      what = flow.proto;
      portPart = '';
      control = CONTROL_PROTOCOLS.get(flow.proto);
    }
    let reason: string;
    let finding: Finding;
    if (control !== undefined) {
      finding = 'info';
      reason = `${what} is network control traffic, not a product service: no catalog rule lists it`;
    } else {
      finding = findingFor('undocumented', reach.reachability, undefined);
      reason = `no catalog rule documents ${what} (the catalog documents TCP and UDP ports only)`;
      if (finding === 'undocumented' && result.sides.server.linkScope) {
        finding = 'info';
        reason += `; ${flow.server.ip} is link-scoped, so this traffic never crosses a router or firewall`;
      }
    }
    reason += this.reachWords(reach);
    const cEnd = this.endFor(result.sides.client, undefined, undefined);
    const sEnd = this.endFor(result.sides.server, undefined, undefined);
    const service = this.identity(cEnd, sEnd, flow.proto, portPart, flow.proto === 'sctp' ? flow.server.port : null, null);
    const out = this.build(flow, 'undocumented', reach, finding, [], reason, service, undefined);
    this.names(out, result, undefined);
    return { flow: out, service, documentedBy: [] };
  }

  // --- announced data flows -------------------------------------------------------------------

  /** Matches a control flow's endpoints (cached per control flow id). */
  private controlMatch(id: string, text: string, protos: readonly TransportProto[]): MatchResult | undefined {
    const cacheKey = `${id}\u0000${text}\u0000${protos.join(',')}`;
    const hit = this.controlCache.get(cacheKey);
    if (hit !== undefined) return hit;
    const eps = parseFlowText(text);
    if (eps === undefined) return undefined;
    // When the control flow's transport is not known, the first transport whose rule documents it
    // (required/optional/conditional) wins, else the first that matches at all.
    let chosen: MatchResult | undefined;
    let chosenRank = -1;
    for (const proto of protos) {
      const r = this.matchOriented(proto, this.sides.side(eps.client), this.sides.side(eps.server), false);
      const level = r.matches[0]?.entry.rule.level;
      const rank = level === undefined ? 0 : level === 'should-block' || level === 'not-used' ? 1 : 2;
      if (rank > chosenRank) {
        chosen = r;
        chosenRank = rank;
      }
    }
    if (chosen === undefined) return undefined;
    if (this.controlCache.size >= CONTROL_CACHE_MAX) this.controlCache.clear();
    this.controlCache.set(cacheKey, chosen);
    return chosen;
  }

  private classifyAnnounced(flow: Flow, proto: TransportProto, app: Extract<AppMark, { kind: 'ftp-data' | 'rpc' | 'tftp-data' }>): Verdict | undefined {
    // The portmapper call's transport, when the observer says it; else the data flow's own first.
    const rpcProtos: TransportProto[] =
      app.kind === 'rpc' && app.controlProto !== undefined ? [app.controlProto] : proto === 'udp' ? ['udp', 'tcp'] : ['tcp', 'udp'];
    const control = this.controlMatch(app.control, app.controlText, app.kind === 'ftp-data' ? ['tcp'] : app.kind === 'tftp-data' ? ['udp'] : rpcProtos);
    if (control === undefined) return undefined;
    const reach = this.reachability(flow, {});
    const client = this.sides.side(flow.client);
    const server = this.sides.side(flow.server);
    const portOnly = this.inventory === undefined;
    const dataResult: MatchResult = { sides: { client, server }, flipped: false, matches: [], reversed: [], hints: [], portOnly, weak: [] };

    let announcement: string;
    let viaData: string;
    switch (app.kind) {
      case 'ftp-data':
        announcement = `FTP ${app.mode.toUpperCase()} data announced by "${app.announcement}" on control flow ${app.controlText} at ${timeOfDay(app.announcedAt)}${app.nat === true ? ' (the announced address differs from the control flow\'s server: NAT)' : ''}`;
        viaData = 'ftp-data';
        break;
      case 'rpc':
        announcement = `RPC program ${app.program}${app.programName !== undefined ? ` (${app.programName})` : ''} version ${app.version} announced by the portmapper on control flow ${app.controlText} at ${timeOfDay(app.announcedAt)}`;
        viaData = 'rpc-dynamic';
        break;
      case 'tftp-data':
        announcement = `TFTP data answering the request on control flow ${app.controlText} at ${timeOfDay(app.announcedAt)}`;
        viaData = 'tftp-data';
        break;
    }

    // RPC services with a documented fixed port (NFS 2049, a documented range) match as usual first.
    if (app.kind === 'rpc') {
      const direct = this.matchOriented(proto, client, server, false);
      const best = direct.matches[0];
      if (best !== undefined && best.confidence !== 'fallback' && !best.weak) {
        const v = this.documentedVerdict(flow, direct, best, reach);
        v.flow.reason = `${this.documentedReason(flow, direct, best)}; ${announcement}${this.reachWords(reach)}`;
        return v;
      }
    }

    const controlBest = control.matches[0];
    const controlStatus: DocStatus = controlBest === undefined ? 'undocumented' : statusOfLevel(controlBest.entry.rule, controlBest.dynamic);
    const controlDocumented = controlStatus === 'documented' || controlStatus === 'dynamic';

    if (controlBest !== undefined && controlDocumented) {
      // The product's own data rule for this control channel, when its roles fit this data flow.
      const candidates = app.kind === 'ftp-data' ? this.index.ftpDataRules : app.kind === 'rpc' ? this.index.rpcRules : [];
      let dataRule: IndexedRule | undefined;
      let reversedRule: IndexedRule | undefined;
      let dataScore = -1;
      for (const c of candidates) {
        if (c.product !== controlBest.entry.product || !c.rule.proto.includes(proto)) continue;
        const spec = c.rule.ports;
        // 2: the rule names this control rule or RPC program; 1: it names none; skip when it names another.
        let score = 1;
        if (spec.kind === 'ftp-data') score = spec.control === controlBest.entry.rule.id ? 2 : spec.control.length > 0 ? 0 : 1;
        if (spec.kind === 'rpc-dynamic' && spec.program !== undefined) score = app.kind === 'rpc' && spec.program === app.program ? 2 : -1;
        if (score < 0) continue;
        if (!portOnly && !(fitsRole(client, c.product.id, c.rule.from) && fitsRole(server, c.product.id, c.rule.to))) {
          if (score >= 1 && reversedRule === undefined && fitsRole(client, c.product.id, c.rule.to) && fitsRole(server, c.product.id, c.rule.from)) reversedRule = c;
          continue;
        }
        if (score > dataScore) {
          dataRule = c;
          dataScore = score;
        }
      }
      if (dataRule === undefined && reversedRule !== undefined) {
        // The product documents this data channel the other way round (PathTrak: PASV only, so the
        // server opens data connections; an HCU opening one is active-mode FTP the document does not list).
        const { product, rule } = reversedRule;
        const reason =
          `wrong direction: ${ruleTitle(product, rule)} documents ${ruleDirection(product, rule)} for this data, ` +
          `but ${describeSide(client)} opened the connection to ${describeSide(server)}; ${announcement}` +
          this.reachWords(reach);
        const finding = findingFor('undocumented', reach.reachability, undefined);
        const cEnd = this.endFor(client, product, rule.to);
        const sEnd = this.endFor(server, product, rule.from);
        const service = this.identity(cEnd, sEnd, flow.proto, ` ${viaData}`, null, null);
        const out = this.build(flow, 'undocumented', reach, finding, [], reason, service, undefined);
        out.wrongDirection = reversedRule.id;
        this.names(out, dataResult, undefined);
        return { flow: out, service, documentedBy: [] };
      }
      const documenting = dataRule ?? controlBest.entry;
      const match: Match = {
        entry: documenting,
        confidence: portOnly ? 'port-only' : 'announced',
        portDetail: '',
        dynamic: true,
        specificity: 0,
        weak: false,
        srcScore: 1,
        condScore: 1,
        notes: [],
      };
      dataResult.matches.push(match);
      let reason = `${ruleTitle(documenting.product, documenting.rule)}: ${announcement}`;
      if (dataRule === undefined) reason += ` (the data flow of the documented control flow)`;
      if (portOnly) reason += '; roles not known (no inventory): the control flow matched by port alone';
      reason += this.reachWords(reach);
      const status = statusOfLevel(documenting.rule, true);
      const finding = findingFor(status, reach.reachability, documenting.rule.level, true);
      const service = dataRule !== undefined ? this.serviceFor(flow, dataResult, match) : this.serviceFor(flow, dataResult, match, viaData);
      const out = this.build(flow, status, reach, finding, [documenting.id], reason, service, match.confidence);
      this.names(out, dataResult, match);
      return { flow: out, service, documentedBy: [documenting.id] };
    }

    if (controlBest !== undefined) {
      // A should-block or not-used control channel: its data carries the same status.
      const entry = controlBest.entry;
      const match: Match = { ...controlBest, confidence: portOnly ? 'port-only' : 'announced', notes: [] };
      dataResult.matches.push(match);
      const reason = `${announcement}; the control flow is ${ruleTitle(entry.product, entry.rule)}: ${levelWords(entry.rule)}${this.reachWords(reach)}`;
      const finding = findingFor(controlStatus, reach.reachability, entry.rule.level);
      const service = this.serviceFor(flow, dataResult, match, viaData);
      const out = this.build(flow, controlStatus, reach, finding, [entry.id], reason, service, match.confidence);
      this.names(out, dataResult, match);
      return { flow: out, service, documentedBy: [entry.id] };
    }

    // The control flow is not documented: neither is its data.
    const ctl = control.sides;
    const reason =
      `${announcement}; no catalog rule documents the control flow` +
      (portOnly ? '' : ` (${describeSide(ctl.client)} → ${describeSide(ctl.server)} port ${ctl.server.ep.port})`) +
      this.reachWords(reach);
    const finding = findingFor('undocumented', reach.reachability, undefined, false);
    const service = this.serviceFor(flow, dataResult, undefined, viaData);
    const out = this.build(flow, 'undocumented', reach, finding, [], reason, service, undefined);
    this.names(out, dataResult, undefined);
    return { flow: out, service, documentedBy: [] };
  }

  /** Product by id (for renderers that want names). */
  product(id: string): Product | undefined {
    return this.productById.get(id);
  }
}

export { roleName };
