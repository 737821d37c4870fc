/**
 * The catalog's data model: products, roles, rules and port specs, as stored in
 * `src/catalog/products/<product>.json` and validated by `schema/product.schema.json`.
 * See docs/catalog.md for the meaning of each field and how to add a product.
 */

export type TransportProto = 'tcp' | 'udp';

/**
 * How strongly a document asks for a rule:
 * - `required`: must be open for the product to work.
 * - `optional`: used by an optional feature.
 * - `conditional`: required under a condition the document states (`condition` holds its text).
 * - `not-used`: documented as not used / no longer supported.
 * - `should-block`: the document recommends that a firewall block it.
 */
export type Level = 'required' | 'optional' | 'conditional' | 'not-used' | 'should-block';

export const LEVELS: readonly Level[] = ['required', 'optional', 'conditional', 'not-used', 'should-block'];

/** `base + Σ coeff·param`: one end of a formula port range. */
export interface LinearExpr {
  base: number;
  terms: Array<{ param: string; coeff: number }>;
}

/** A port range given by fallback when a dynamic port was not announced. */
export interface FallbackRange {
  from: number;
  to: number;
  /** Conditions under which this fallback applies (e.g. `{models: ['HCU200']}`). */
  when?: Conditions;
  /** The document's words for it. */
  note: string;
}

/** Where a rule's ports are. A discriminated union on `kind`. */
export type PortSpec =
  | { kind: 'port'; port: number }
  | { kind: 'list'; ports: number[] }
  | { kind: 'range'; from: number; to: number }
  | {
      kind: 'formula';
      /** The formula as the document states it, e.g. `3000 .. 3000 + 2*max_open_server`. */
      text: string;
      from: LinearExpr;
      to: LinearExpr;
      /** What the rule covers when a parameter has no value and no default: e.g. 3000-3999 for `3XXX`. */
      envelope?: { from: number; to: number };
    }
  /** The listener's OS ephemeral range (see ephemeral profiles). */
  | { kind: 'ephemeral' }
  /** An FTP data port announced on the control channel (PASV/EPSV/PORT/EPRT). */
  | { kind: 'ftp-data'; control: string; fallback: FallbackRange[] }
  /** An ONC RPC program's port announced by the portmapper. */
  | { kind: 'rpc-dynamic'; program?: number; fallback: FallbackRange[] };

export type PortSpecKind = PortSpec['kind'];

/** When a rule applies. Absent fields mean "any". */
export interface Conditions {
  /** Hardware models (`HCU200`, `HCU400`, `HCU1500`). */
  models?: string[];
  /** Operating systems (`aix`, `linux`, `linux-statelite`, ...). */
  os?: string[];
  /** Product releases in the VOS style, e.g. `14.7 and 15.1+, not 15.0` (see release.ts). */
  releases?: string;
  /** Platforms or features named in words (`x86_64`, `p8`, `Flex`, `RMC monitoring`). */
  features?: string[];
}

/** Pointer back to the document a rule came from. */
export interface Source {
  /** Seed file name, e.g. `003_903b1c7b4df855e5.txt`. */
  document: string;
  /** Section or table heading as the document names it. */
  section: string;
  /** The document's literal row text. */
  text: string;
}

export interface Rule {
  /** Unique within its product, kebab-case (`xcatdport-tcp`, `osl`). */
  id: string;
  /** Service name as the document names it. */
  service: string;
  description?: string;
  /** Role id of the initiator (`*` = any host). */
  from: string;
  /** Role id of the listener (`*` = any host). */
  to: string;
  /** Transports covered; a TCP/UDP row is one rule with both. */
  proto: TransportProto[];
  /** False when the document names no protocol (the rule then covers both and says so). */
  protoStated: boolean;
  ports: PortSpec;
  /** Constraint on the initiator's source port (xCAT `1-1023`, NTP 123, active FTP data 20). */
  sourcePorts?: PortSpec;
  level: Level;
  /** The document's condition text, for `conditional` rules. */
  condition?: string;
  conditions?: Conditions;
  source: Source;
  /** The same row in other documents (xCAT appears twice). */
  seeAlso?: Source[];
  /** Notes on how a garbled row was read (listed in docs/catalog.md). */
  interpretation?: string;
  /** The document says the traffic stays on the host (Prognosis "N/A (Local only)", "Internal"). */
  local?: boolean;
  /** The document says the port is a default that can be changed ("80 by default, configurable"). */
  configurable?: boolean;
}

export interface Role {
  id: string;
  name: string;
  description?: string;
  /**
   * Roles whose rules this role also takes part in: a VOS bridge module is also a VOS module;
   * an xCAT service node serves its nodes as the management node does.
   */
  actsAs?: string[];
}

export interface ParamDef {
  description: string;
  /** The documented default, when there is one (Prognosis TCPIP-PORT 1960). */
  default?: number;
}

export interface Product {
  id: string;
  name: string;
  description?: string;
  documents: Array<{ document: string; title: string }>;
  roles: Role[];
  params?: Record<string, ParamDef>;
  rules: Rule[];
  /** Recommendations that are not rules about ports (e.g. disable the tiny services). */
  recommendations?: Array<{ text: string; ports?: number[]; source: Source }>;
  /** Ephemeral port ranges of operating systems the built-in profiles do not cover (a user's product file). */
  ephemeralProfiles?: Array<Omit<EphemeralProfile, 'product'>>;
}

/** An OS ephemeral port range, per transport, with the reference it comes from. */
export interface EphemeralProfile {
  id: string;
  os: string;
  /** Release expression the profile applies to (`< 4.2`, `14.5.0at+`), absent = all. */
  releases?: string;
  proto: TransportProto[];
  from: number;
  to: number;
  reference: string;
  /** The document row the profile comes from, when a product document states it (VOS Table 3). */
  source?: Source;
  /** The product whose document states it. */
  product?: string;
}

/** The loaded catalog: built-in products plus the user's `--catalog` files. */
export interface Catalog {
  products: Product[];
  ephemeralProfiles: EphemeralProfile[];
  /** sha256 over the canonical JSON of every product and ephemeral profile, for reports and drift. */
  hash: string;
  /** Where each product was loaded from. */
  files: Record<string, string>;
}

/** Parameter values used to expand formulas (`max_open_server`, `TCPIP-PORT`). */
export type Params = Record<string, number>;
