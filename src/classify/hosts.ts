/**
 * What the classifier knows about each side of a flow: its inventory entry and roles (with the
 * roles they act as), whether the address is a group (broadcast/multicast: any host may listen)
 * or link-scoped, and the checks that depend on the host (conditions, ephemeral ranges).
 */
import type { Catalog, Conditions, EphemeralProfile, TransportProto } from '../catalog/types.js';
import { releaseMatches } from '../catalog/release.js';
import { normalizeOsName, selectEphemeralProfile } from '../catalog/ephemeral.js';
import type { Endpoint } from '../model.js';
import { isGroupAddress, isUnspecifiedAddress, parseIp } from '../inventory/address.js';
import type { Inventory, InventoryHost } from '../inventory/inventory.js';

export interface Side {
  ep: Endpoint;
  host: InventoryHost | undefined;
  /** `product/role` keys this side fits, including roles acted as. Empty when unknown. */
  roleKeys: ReadonlySet<string>;
  /** Broadcast, multicast or unspecified: the rule's role cannot be checked, any role fits. */
  anyRole: boolean;
  /** Link-scoped (limited broadcast, link-local multicast or unicast): never crosses a router or firewall. */
  linkScope: boolean;
  loopback: boolean;
}

const EMPTY: ReadonlySet<string> = new Set();
/**
 * Addresses whose facts are cached, per generation: when the current generation is full it becomes
 * the older one (the one before is dropped), and an address found there moves back into the
 * current one. Clearing the whole cache when full, as before, recomputed the facts of every
 * address of a busy log about twice over.
 */
const SIDE_CACHE_MAX = 65536;

type Facts = Omit<Side, 'ep'>;

/** A text of its own, not a slice of a larger one that it would keep alive (aggregate.ts says more). */
function ownCopy(s: string): string {
  const copy: unknown = JSON.parse(JSON.stringify(s));
  return typeof copy === 'string' ? copy : s;
}

/** Expands each role with the roles it acts as (transitively), as `product/role` keys. */
export function buildRoleClosure(catalog: Catalog): Map<string, Set<string>> {
  const closure = new Map<string, Set<string>>();
  for (const p of catalog.products) {
    const direct = new Map(p.roles.map((r) => [r.id, r.actsAs ?? []]));
    for (const r of p.roles) {
      const out = new Set<string>();
      const stack = [r.id];
      while (stack.length > 0) {
        const id = stack.pop()!;
        if (out.has(`${p.id}/${id}`)) continue;
        out.add(`${p.id}/${id}`);
        for (const next of direct.get(id) ?? []) stack.push(next);
      }
      closure.set(`${p.id}/${r.id}`, out);
    }
  }
  return closure;
}

export class SideResolver {
  private readonly inventory: Inventory | undefined;
  private readonly closure: Map<string, Set<string>>;
  private readonly hostKeys = new Map<InventoryHost, ReadonlySet<string>>();

  constructor(catalog: Catalog, inventory: Inventory | undefined) {
    this.inventory = inventory;
    this.closure = buildRoleClosure(catalog);
  }

  private facts = new Map<string, Facts>();
  private olderFacts = new Map<string, Facts>();
  /** The facts of an address no inventory entry names, one object per combination (most addresses share one). */
  private readonly plainFacts: Array<Facts | undefined> = [];

  side(ep: Endpoint): Side {
    let f = this.facts.get(ep.ip);
    if (f === undefined) {
      f = this.olderFacts.get(ep.ip) ?? this.factsOf(ep.ip);
      if (this.facts.size >= SIDE_CACHE_MAX) {
        this.olderFacts = this.facts;
        this.facts = new Map();
      }
      // A copy of the address text: a log's address is a slice of its whole read block (see ownCopy in aggregate.ts).
      this.facts.set(ep.ip.length < 13 ? ep.ip : ownCopy(ep.ip), f);
    }
    return { ep, host: f.host, roleKeys: f.roleKeys, anyRole: f.anyRole, linkScope: f.linkScope, loopback: f.loopback };
  }

  private factsOf(text: string): Facts {
    const host = this.inventory?.lookup(text);
    const ip = parseIp(text);
    const group = ip !== undefined && (isGroupAddress(ip) || isUnspecifiedAddress(ip));
    let linkScope = false;
    let loopback = false;
    if (ip !== undefined) {
      if (ip.family === 4) {
        linkScope = ip.value === 0xffffffff || ip.value >>> 8 === 0xe00000 || ip.value >>> 16 === 0xa9fe;
        loopback = ip.value >>> 24 === 127;
      } else {
        const top16 = Number(ip.value >> 112n);
        linkScope = top16 === 0xff01 || top16 === 0xff02 || (top16 & 0xffc0) === 0xfe80;
        loopback = ip.value === 1n;
      }
    }
    if (host !== undefined) return { host, roleKeys: this.keysOf(host), anyRole: false, linkScope, loopback };
    const combination = (group ? 1 : 0) | (linkScope ? 2 : 0) | (loopback ? 4 : 0);
    let plain = this.plainFacts[combination];
    if (plain === undefined) this.plainFacts[combination] = plain = { host: undefined, roleKeys: EMPTY, anyRole: group, linkScope, loopback };
    return plain;
  }

  private keysOf(host: InventoryHost): ReadonlySet<string> {
    let keys = this.hostKeys.get(host);
    if (keys === undefined) {
      const s = new Set<string>();
      for (const r of host.roles) {
        const k = `${r.product}/${r.role}`;
        for (const x of this.closure.get(k) ?? [k]) s.add(x);
      }
      keys = s;
      this.hostKeys.set(host, keys);
    }
    return keys;
  }
}

/** True when `side` plays `role` of `product` (`*` = any host). */
export function fitsRole(side: Side, product: string, role: string): boolean {
  return role === '*' || side.anyRole || side.roleKeys.has(`${product}/${role}`);
}

/** True when the side is a host of the product (any role). */
export function inProduct(side: Side, product: string): boolean {
  if (side.host === undefined) return false;
  for (const r of side.host.roles) if (r.product === product) return true;
  return false;
}

function norm(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** A host feature fits a condition's feature by name or by its leading code (`S270` fits `S270 (OpenSSL and OpenSSH for VOS)`). */
function featureFits(hostFeature: string, wanted: string): boolean {
  const h = norm(hostFeature);
  if (h.length === 0) return false;
  return h === norm(wanted) || h === norm(wanted.split(/[\s(]/)[0] ?? '');
}

/** The host's OS fits a condition's OS: the same name, a more specific one (`linux-statelite` fits `linux`), or an alias. */
function osFits(hostOs: string, wanted: string): boolean {
  const h = hostOs.trim().toLowerCase();
  const w = wanted.trim().toLowerCase();
  if (h === w || h.startsWith(`${w}-`)) return true;
  // Aliases of one OS (`darwin` and `macos`) fit each other; distinct variants (`p-linux`) stay distinct.
  const nh = normalizeOsName(h);
  return nh !== undefined && nh === w;
}

export interface ConditionCheck {
  result: 'yes' | 'no' | 'unknown';
  /** Why it failed, or what was assumed. */
  note?: string;
}

/** Words for a condition set: `on models HCU200; on aix, p-linux; releases 15.1+`. */
export function conditionWords(c: Conditions): string {
  const parts: string[] = [];
  if (c.models !== undefined) parts.push(`on ${c.models.join(', ')}`);
  if (c.os !== undefined) parts.push(`on ${c.os.join(', ')}`);
  if (c.releases !== undefined) parts.push(`in releases ${c.releases}`);
  if (c.features !== undefined) parts.push(`with ${c.features.join(', ')}`);
  return parts.join(', ');
}

/**
 * Checks a rule's conditions against the hosts they could be about. A condition holds when any
 * host that states the fact satisfies it; it is unknown (and assumed) when no host states it.
 */
export function checkConditions(c: Conditions | undefined, hosts: readonly InventoryHost[]): ConditionCheck {
  if (c === undefined) return { result: 'yes' };
  let unknown: string[] = [];
  const fail = (msg: string): ConditionCheck => ({ result: 'no', note: msg });
  if (c.models !== undefined && c.models.length > 0) {
    const known = hosts.filter((h) => h.model !== undefined);
    if (known.length === 0) unknown.push(`model ${c.models.join('/')}`);
    else if (!known.some((h) => c.models!.some((m) => norm(m) === norm(h.model!)))) {
      return fail(`applies to models ${c.models.join(', ')}; ${known.map((h) => `${h.name} is ${h.model!}`).join(', ')}`);
    }
  }
  if (c.os !== undefined && c.os.length > 0) {
    const known = hosts.filter((h) => h.os !== undefined);
    if (known.length === 0) unknown.push(`OS ${c.os.join('/')}`);
    else if (!known.some((h) => c.os!.some((o) => osFits(h.os!, o)))) {
      return fail(`applies on ${c.os.join(', ')}; ${known.map((h) => `${h.name} runs ${h.os!}`).join(', ')}`);
    }
  }
  if (c.releases !== undefined) {
    const known = hosts.filter((h) => h.release !== undefined);
    if (known.length === 0) unknown.push(`release ${c.releases}`);
    else {
      let any = false;
      for (const h of known) {
        try {
          if (releaseMatches(c.releases, h.release!)) any = true;
        } catch {
          // An expression the release reader cannot read is treated as unknown, never as a crash.
          unknown.push(`release ${c.releases}`);
          any = true;
        }
      }
      if (!any) return fail(`applies to releases ${c.releases}; ${known.map((h) => `${h.name} runs ${h.release!}`).join(', ')}`);
    }
  }
  if (c.features !== undefined && c.features.length > 0) {
    const known = hosts.filter((h) => h.features !== undefined);
    if (known.length === 0) unknown.push(c.features.join('/'));
    else if (!known.some((h) => c.features!.some((f) => h.features!.some((hf) => featureFits(hf, f))))) {
      return fail(`applies with ${c.features.join(', ')}; ${known.map((h) => `${h.name} lists ${h.features!.length > 0 ? h.features!.join(', ') : 'no features'}`).join(', ')}`);
    }
  }
  unknown = [...new Set(unknown)];
  return unknown.length > 0 ? { result: 'unknown', note: `assumed ${unknown.join(', ')} (not in the inventory)` } : { result: 'yes' };
}

/**
 * The ephemeral profile for an OS and release (catalog/ephemeral.ts decides: aliases such as
 * `linux-statelite`, the newest profile when the release is not known). Undefined when the OS has none.
 */
export function selectProfile(
  profiles: readonly EphemeralProfile[],
  os: string,
  release: string | undefined,
  proto: TransportProto,
): EphemeralProfile | undefined {
  try {
    return selectEphemeralProfile(os, release, proto, profiles);
  } catch {
    // A profile expression that cannot be read never stops classification.
    return undefined;
  }
}

/** Widest ephemeral range per transport over every profile and host override (for the index). */
export function ephemeralBounds(catalog: Catalog, inventory: Inventory | undefined): Record<TransportProto, { from: number; to: number }> {
  const out: Record<TransportProto, { from: number; to: number }> = { tcp: { from: 65536, to: 0 }, udp: { from: 65536, to: 0 } };
  const widen = (proto: TransportProto, from: number, to: number): void => {
    out[proto].from = Math.min(out[proto].from, from);
    out[proto].to = Math.max(out[proto].to, to);
  };
  for (const p of catalog.ephemeralProfiles) for (const proto of p.proto) widen(proto, p.from, p.to);
  for (const h of inventory?.hosts ?? []) {
    for (const proto of ['tcp', 'udp'] as const) {
      const r = h.ephemeral?.[proto];
      if (r !== undefined) widen(proto, r.from, r.to);
    }
  }
  for (const proto of ['tcp', 'udp'] as const) if (out[proto].from > out[proto].to) out[proto] = { from: 49152, to: 65535 };
  return out;
}
