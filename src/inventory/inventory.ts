/**
 * The inventory: a JSON hosts file mapping addresses and CIDR prefixes (IPv4 and IPv6) to the
 * catalog roles of the hosts behind them, with the facts rules depend on (OS and release for
 * ephemeral ranges and release conditions, hardware model, parameters for port formulas).
 *
 * Lookups take the most specific prefix (longest match, as a routing table does, RFC 4632 §5.1):
 * one map per prefix length present, probed from the longest length down, so a lookup costs at
 * most one probe per distinct prefix length in the file (≤ 33 for IPv4, ≤ 129 for IPv6), and a
 * bounded cache answers repeated addresses.
 *
 * The file is validated first against `schema/inventory.schema.json`, then against the catalog
 * (products and roles must exist); every error names the file, the entry and the field.
 */
import { knownOsNames, normalizeOsName } from '../catalog/ephemeral.js';
import { catalogParamNames } from '../catalog/lookup.js';
import type { Catalog, Params, TransportProto } from '../catalog/types.js';
import { DataFileError } from '../errors.js';
import { formatPrefix, parseIp, parsePrefix, v4Mask, v6Mask } from './address.js';
import type { Prefix } from './address.js';
import { JsonSchemaValidator } from './json-schema.js';
import type { SchemaError } from './json-schema.js';

export interface HostRole {
  product: string;
  role: string;
}

export interface InventoryHost {
  /** 0-based position in the file's `hosts` array. */
  index: number;
  /** The entry's name (its first address when the file gives none). */
  name: string;
  /** The entry's addresses and prefixes as written. */
  addresses: string[];
  roles: HostRole[];
  os?: string;
  release?: string;
  model?: string;
  features?: string[];
  params: Params;
  /** Per-host ephemeral range override, per transport. */
  ephemeral?: Partial<Record<TransportProto, { from: number; to: number }>>;
}

/** The validated shape of one entry (what the schema guarantees). */
interface HostEntry {
  address: string | string[];
  name?: string;
  description?: string;
  product?: string;
  role?: string;
  roles?: Array<{ product?: string; role: string }>;
  os?: string;
  release?: string;
  model?: string;
  features?: string[];
  params?: Record<string, number>;
  ephemeral?: Partial<Record<TransportProto, { from: number; to: number }>>;
}

interface InventoryDocument {
  hosts: HostEntry[];
}

const LOOKUP_CACHE_MAX = 65536;

export class Inventory {
  readonly file: string;
  readonly hosts: readonly InventoryHost[];
  private readonly v4 = new Map<number, Map<number, InventoryHost>>();
  private readonly v6 = new Map<number, Map<bigint, InventoryHost>>();
  private v4Lengths: number[] = [];
  private v6Lengths: number[] = [];
  private readonly cache = new Map<string, InventoryHost | null>();

  constructor(file: string, hosts: readonly InventoryHost[], prefixes: ReadonlyArray<{ prefix: Prefix; host: InventoryHost }>) {
    this.file = file;
    this.hosts = hosts;
    for (const { prefix, host } of prefixes) {
      if (prefix.family === 4) {
        let m = this.v4.get(prefix.length);
        if (m === undefined) this.v4.set(prefix.length, (m = new Map()));
        m.set(prefix.value as number, host);
      } else {
        let m = this.v6.get(prefix.length);
        if (m === undefined) this.v6.set(prefix.length, (m = new Map()));
        m.set(prefix.value as bigint, host);
      }
    }
    this.v4Lengths = [...this.v4.keys()].sort((a, b) => b - a);
    this.v6Lengths = [...this.v6.keys()].sort((a, b) => b - a);
  }

  /** The most specific entry covering `ip` (an address in any text form), or undefined. */
  lookup(ip: string): InventoryHost | undefined {
    const cached = this.cache.get(ip);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.lookupUncached(ip);
    if (this.cache.size >= LOOKUP_CACHE_MAX) this.cache.clear();
    this.cache.set(ip, found ?? null);
    return found;
  }

  private lookupUncached(ip: string): InventoryHost | undefined {
    const v = parseIp(ip);
    if (v === undefined) return undefined;
    if (v.family === 4) {
      for (const len of this.v4Lengths) {
        const hit = this.v4.get(len)!.get((v.value & v4Mask(len)) >>> 0);
        if (hit !== undefined) return hit;
      }
      return undefined;
    }
    for (const len of this.v6Lengths) {
      const hit = this.v6.get(len)!.get(v.value & v6Mask(len));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  /** Entries per role, sorted by product then role. */
  roleCounts(): Array<{ product: string; role: string; entries: number }> {
    const counts = new Map<string, { product: string; role: string; entries: number }>();
    for (const h of this.hosts) {
      for (const r of h.roles) {
        const k = `${r.product}\u0000${r.role}`;
        const e = counts.get(k);
        if (e === undefined) counts.set(k, { product: r.product, role: r.role, entries: 1 });
        else e.entries++;
      }
    }
    return [...counts.values()].sort((a, b) => cmp(a.product, b.product) || cmp(a.role, b.role));
  }

  /** Products that at least one entry belongs to. */
  products(): Set<string> {
    const s = new Set<string>();
    for (const h of this.hosts) for (const r of h.roles) s.add(r.product);
    return s;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

let schemaValidator: JsonSchemaValidator | undefined;

/** The inventory JSON Schema, loaded once (a data file shipped beside this module). */
export function inventorySchemaValidator(schema: unknown): JsonSchemaValidator {
  schemaValidator ??= new JsonSchemaValidator(schema);
  return schemaValidator;
}

/** Names from the file go into messages printed on a terminal: keep them printable and short. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
  return clean.length > 64 ? `${clean.slice(0, 63)}…` : clean;
}

function entryLabel(doc: unknown, index: number): string {
  const hosts = typeof doc === 'object' && doc !== null ? (doc as { hosts?: unknown }).hosts : undefined;
  const entry = Array.isArray(hosts) ? (hosts[index] as unknown) : undefined;
  if (typeof entry === 'object' && entry !== null) {
    const name = (entry as { name?: unknown }).name;
    if (typeof name === 'string') return `hosts[${index}] (${printable(name)})`;
    const addr = (entry as { address?: unknown }).address;
    if (typeof addr === 'string') return `hosts[${index}] (${printable(addr)})`;
  }
  return `hosts[${index}]`;
}

function fieldOf(pointer: string): string {
  const parts = pointer.split('/').slice(3);
  return parts.length === 0 ? '' : parts.map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

function schemaErrorToDataFileError(file: string, doc: unknown, errors: SchemaError[]): DataFileError {
  const e = errors[0]!;
  const m = /^\/hosts\/(\d+)(\/.*)?$/.exec(e.pointer);
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  if (m !== null) {
    const entry = entryLabel(doc, Number(m[1]));
    const field = fieldOf(e.pointer);
    const where = field.length > 0 ? `field "${field}" ` : '';
    return new DataFileError('inventory-invalid', `${file}: ${entry}: ${where}${e.message}${more}`, { file, entry, pointer: e.pointer });
  }
  const where = e.pointer === '' ? 'the top level' : `field "${e.pointer.slice(1).replace(/\//g, '.')}"`;
  return new DataFileError('inventory-invalid', `${file}: ${where} ${e.message}${more}`, { file, pointer: e.pointer });
}

/**
 * Validates and indexes an inventory document (already parsed from JSON). `schema` is the inventory
 * JSON Schema; `catalog` names the products and roles entries may use.
 */
export function buildInventory(file: string, doc: unknown, catalog: Catalog, schema: unknown): Inventory {
  const errors = inventorySchemaValidator(schema).validate(doc);
  if (errors.length > 0) throw schemaErrorToDataFileError(file, doc, errors);
  // The boundary: the document matches the schema.
  const valid = doc as InventoryDocument;

  const productById = new Map(catalog.products.map((p) => [p.id, p]));
  const productsByRole = new Map<string, string[]>();
  for (const p of catalog.products) {
    for (const r of p.roles) {
      const list = productsByRole.get(r.id) ?? [];
      list.push(p.id);
      productsByRole.set(r.id, list);
    }
  }

  // A parameter no product declares is a misspelling that would silently fall back to the default.
  const paramNames = catalogParamNames(catalog);
  // So is an OS that no ephemeral profile and no rule condition knows: the host would get no
  // ephemeral range and match no OS condition, silently.
  const osNames = new Set(knownOsNames());
  for (const p of catalog.ephemeralProfiles) osNames.add(normalizeOsName(p.os) ?? p.os.trim().toLowerCase());
  for (const p of catalog.products) for (const r of p.rules) for (const o of r.conditions?.os ?? []) osNames.add(normalizeOsName(o) ?? o.trim().toLowerCase());
  const hosts: InventoryHost[] = [];
  const prefixes: Array<{ prefix: Prefix; host: InventoryHost }> = [];
  const seen = new Map<string, string>();
  valid.hosts.forEach((e, index) => {
    const entry = entryLabel(valid, index);
    const fail = (field: string, message: string): DataFileError =>
      new DataFileError('inventory-invalid', `${file}: ${entry}: field "${field}" ${message}`, {
        file,
        entry,
        pointer: `/hosts/${index}/${field.replace(/\./g, '/')}`,
      });

    const roleRefs: Array<{ product?: string; role: string; field: string }> = [];
    if (e.role !== undefined) roleRefs.push({ ...(e.product !== undefined ? { product: e.product } : {}), role: e.role, field: 'role' });
    else if (e.product !== undefined) throw fail('role', `is required with "product" (the role this host plays in ${e.product})`);
    (e.roles ?? []).forEach((r, i) => {
      roleRefs.push({ ...(r.product !== undefined ? { product: r.product } : e.product !== undefined ? { product: e.product } : {}), role: r.role, field: `roles.${i}.role` });
    });
    const roles: HostRole[] = [];
    for (const ref of roleRefs) {
      let productId = ref.product;
      if (productId === undefined) {
        const owners = productsByRole.get(ref.role) ?? [];
        if (owners.length === 0) throw fail(ref.field, `"${ref.role}" is not a role of any catalog product`);
        if (owners.length > 1) throw fail(ref.field, `"${ref.role}" is a role of several products (${owners.join(', ')}): add "product"`);
        productId = owners[0]!;
      }
      const product = productById.get(productId);
      if (product === undefined) {
        throw fail(ref.field === 'role' ? 'product' : ref.field.replace(/role$/, 'product'), `"${productId}" is not a catalog product (products: ${[...productById.keys()].sort().join(', ')})`);
      }
      if (!product.roles.some((r) => r.id === ref.role)) {
        throw fail(ref.field, `"${ref.role}" is not a role of ${product.id} (roles: ${product.roles.map((r) => r.id).join(', ')})`);
      }
      if (!roles.some((r) => r.product === productId && r.role === ref.role)) roles.push({ product: productId, role: ref.role });
    }

    for (const name of Object.keys(e.params ?? {})) {
      if (!paramNames.includes(name)) {
        throw fail(`params.${name}`, `is not a parameter of any catalog product (parameters: ${paramNames.join(', ') || 'none'})`);
      }
    }

    if (e.os !== undefined && !osNames.has(normalizeOsName(e.os) ?? e.os.trim().toLowerCase())) {
      throw fail('os', `"${e.os}" is not an operating system portolan knows (known: ${[...osNames].sort().join(', ')}); leave "os" out when it does not matter`);
    }

    if (e.ephemeral !== undefined) {
      for (const proto of ['tcp', 'udp'] as const) {
        const r = e.ephemeral[proto];
        if (r !== undefined && r.from > r.to) throw fail(`ephemeral.${proto}`, `range ${r.from}-${r.to} is empty (from > to)`);
      }
    }

    const addressTexts = Array.isArray(e.address) ? e.address : [e.address];
    const host: InventoryHost = {
      index,
      name: e.name ?? addressTexts[0]!,
      addresses: addressTexts,
      roles,
      ...(e.os !== undefined ? { os: e.os } : {}),
      ...(e.release !== undefined ? { release: e.release } : {}),
      ...(e.model !== undefined ? { model: e.model } : {}),
      ...(e.features !== undefined ? { features: e.features } : {}),
      params: { ...(e.params ?? {}) },
      ...(e.ephemeral !== undefined ? { ephemeral: e.ephemeral } : {}),
    };
    addressTexts.forEach((text, i) => {
      const field = Array.isArray(e.address) ? `address.${i}` : 'address';
      const p = parsePrefix(text);
      if ('error' in p) throw fail(field, p.error);
      const k = formatPrefix(p);
      const other = seen.get(k);
      if (other !== undefined) throw fail(field, `${text} is already listed by ${other}`);
      seen.set(k, entry);
      prefixes.push({ prefix: p, host });
    });
    hosts.push(host);
  });
  return new Inventory(file, hosts, prefixes);
}
