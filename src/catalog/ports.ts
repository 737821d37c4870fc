/**
 * Port spec semantics: which ports a rule's `PortSpec` covers, given parameter values and what is
 * known of the host (OS, release, hardware model).
 *
 * | kind          | covers                                                                     |
 * |---------------|----------------------------------------------------------------------------|
 * | `port`        | that port                                                                  |
 * | `list`        | those ports                                                                |
 * | `range`       | from..to inclusive                                                         |
 * | `formula`     | from(params)..to(params); a parameter without a value uses its default;    |
 * |               | with neither, the documented `envelope` (3XXX = 3000-3999), said so        |
 * | `ephemeral`   | the listener's OS ephemeral range (IANA 49152-65535 when the OS is unknown) |
 * | `ftp-data`    | announced on the FTP control channel; until then the fallback ranges that  |
 * |               | fit the host's model (all of them when the model is unknown)               |
 * | `rpc-dynamic` | announced by the portmapper; until then the fallback ranges                |
 */
import type { Conditions, EphemeralProfile, FallbackRange, LinearExpr, ParamDef, Params, PortSpec, TransportProto } from './types.js';
import { EPHEMERAL_PROFILES, ianaProfile, normalizeOsName, selectEphemeralProfile } from './ephemeral.js';

/** What is known of the host a spec is resolved for. */
export interface PortContext {
  /** The listener's OS (for `ephemeral`) and the host the fallback conditions name. */
  os?: string;
  release?: string;
  /** Hardware model (`HCU200`) for per-model fallbacks. */
  model?: string;
  /** Transport, for OS profiles that differ between TCP and UDP (VOS). Default tcp. */
  proto?: TransportProto;
  /** The ephemeral profiles to choose from (a catalog's, with its users' products' own); default the built-in ones. */
  profiles?: readonly EphemeralProfile[];
}

export interface ResolvedPorts {
  /** Inclusive port ranges, ascending by start. */
  ranges: Array<[number, number]>;
  /** Why each range is there, parallel to `ranges` (empty string for the plain case). */
  labels: string[];
  /** The ranges in words, with the parameter values used: `3000..3050 (max_open_server=25)`. */
  text: string;
  /** Parameter values the formula used (given or default). */
  usedParams: Params;
  /** Parameters the formula needed that had no value and no default. */
  missingParams: string[];
  /** True when `ranges` is the documented envelope because a parameter was missing. */
  envelope: boolean;
  /** True for ports announced at run time (ephemeral, ftp-data, rpc-dynamic). */
  dynamic: boolean;
  /** Caveats a reader must see (parameter not given, value outside the documented envelope, ...). */
  notes: string[];
}

const MAX_PORT = 65535;

/** `1-5`, `7`, `10-20`: ranges in words. */
export function formatRanges(ranges: ReadonlyArray<readonly [number, number]>, sep = ', '): string {
  return ranges.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(sep);
}

function describeConditions(c: Conditions | undefined): string {
  if (c === undefined) return '';
  const parts = [...(c.models ?? []), ...(c.os ?? []), ...(c.features ?? [])];
  if (c.releases !== undefined) parts.push(`releases ${c.releases}`);
  return parts.join(', ');
}

function describeFallbacks(fb: readonly FallbackRange[]): string {
  if (fb.length === 0) return 'no fallback range';
  return (
    'fallback ' +
    fb
      .map((f) => {
        const when = describeConditions(f.when);
        return `${formatRanges([[f.from, f.to]])}${when === '' ? '' : ` (${when})`}`;
      })
      .join('; ')
  );
}

/** The spec in words, without parameter values: `3000 .. 3000 + 2*max_open_server (envelope 3000-3999)`. */
export function describePortSpec(spec: PortSpec): string {
  switch (spec.kind) {
    case 'port':
      return String(spec.port);
    case 'list':
      return spec.ports.join(', ');
    case 'range':
      return formatRanges([[spec.from, spec.to]]);
    case 'formula': {
      return spec.envelope === undefined ? spec.text : `${spec.text} (envelope ${formatRanges([[spec.envelope.from, spec.envelope.to]])})`;
    }
    case 'ephemeral':
      return "ephemeral (the host's OS range)";
    case 'ftp-data':
      return `FTP data port announced on control "${spec.control}" (${describeFallbacks(spec.fallback)})`;
    case 'rpc-dynamic':
      return `${spec.program === undefined ? 'ONC RPC' : `ONC RPC program ${spec.program}`} port announced by the portmapper (${describeFallbacks(spec.fallback)})`;
  }
}

function normalizeModel(m: string): string {
  return m.replace(/[\s_-]+/g, '').toUpperCase();
}

function fallbackApplies(f: FallbackRange, ctx: PortContext): boolean {
  const w = f.when;
  if (w === undefined) return true;
  if (w.models !== undefined && ctx.model !== undefined) {
    const model = normalizeModel(ctx.model);
    if (!w.models.some((m) => normalizeModel(m) === model)) return false;
  }
  if (w.os !== undefined && ctx.os !== undefined) {
    const os = normalizeOsName(ctx.os) ?? ctx.os.toLowerCase();
    if (!w.os.some((o) => (normalizeOsName(o) ?? o.toLowerCase()) === os)) return false;
  }
  return true;
}

function evaluate(
  e: LinearExpr,
  params: Params,
  defs: Readonly<Record<string, ParamDef>>,
  used: Params,
  defaulted: Set<string>,
  missing: string[],
): number | undefined {
  let v = e.base;
  let ok = true;
  for (const t of e.terms) {
    let value = params[t.param];
    if (value === undefined) {
      value = defs[t.param]?.default;
      if (value !== undefined) defaulted.add(t.param);
    }
    if (value === undefined) {
      if (!missing.includes(t.param)) missing.push(t.param);
      ok = false;
      continue;
    }
    used[t.param] = value;
    v += t.coeff * value;
  }
  return ok ? v : undefined;
}

function single(from: number, to: number, label = ''): Pick<ResolvedPorts, 'ranges' | 'labels'> {
  return { ranges: [[from, to]], labels: [label] };
}

/**
 * Resolves a spec to port ranges. `params` are the values given (inventory or `--param`);
 * `paramDefs` the product's declarations (defaults); `context` what is known of the host.
 * Never throws: values that fall outside 0..65535 are clipped, and the notes say so.
 */
export function resolvePortSpec(
  spec: PortSpec,
  params: Params,
  paramDefs: Readonly<Record<string, ParamDef>> = {},
  context: PortContext = {},
): ResolvedPorts {
  const base: Pick<ResolvedPorts, 'usedParams' | 'missingParams' | 'envelope' | 'dynamic' | 'notes'> = {
    usedParams: {},
    missingParams: [],
    envelope: false,
    dynamic: false,
    notes: [],
  };
  switch (spec.kind) {
    case 'port':
      return { ...single(spec.port, spec.port), text: String(spec.port), ...base };
    case 'list': {
      const sorted = [...new Set(spec.ports)].sort((a, b) => a - b);
      return {
        ranges: sorted.map((p): [number, number] => [p, p]),
        labels: sorted.map(() => ''),
        text: spec.ports.join(', '),
        ...base,
      };
    }
    case 'range':
      return { ...single(spec.from, spec.to), text: formatRanges([[spec.from, spec.to]]), ...base };
    case 'formula': {
      const used: Params = {};
      const defaulted = new Set<string>();
      const missing: string[] = [];
      const from = evaluate(spec.from, params, paramDefs, used, defaulted, missing);
      const to = evaluate(spec.to, params, paramDefs, used, defaulted, missing);
      const described = Object.keys(used)
        .sort()
        .map((k) => `${k}=${used[k] ?? ''}${defaulted.has(k) ? ', the default' : ''}`)
        .join(', ');
      if (from === undefined || to === undefined) {
        const notes = [`${missing.join(', ')} not given: ${spec.envelope === undefined ? 'no documented envelope, so no port matches' : 'matched the documented envelope'}`];
        if (spec.envelope === undefined) {
          return { ranges: [], labels: [], text: `${describePortSpec(spec)} (${missing.join(', ')} not given)`, ...base, usedParams: used, missingParams: missing, notes };
        }
        const env = spec.envelope;
        return {
          ...single(env.from, env.to, 'envelope'),
          text: `${formatRanges([[env.from, env.to]])} (${missing.join(', ')} not given: the documented envelope)`,
          ...base,
          usedParams: used,
          missingParams: missing,
          envelope: true,
          notes,
        };
      }
      const notes: string[] = [];
      const lo = Math.max(0, from);
      const hi = Math.min(MAX_PORT, to);
      if (lo !== from || hi !== to) notes.push(`${from}..${to} clipped to the port range 0-65535`);
      if (lo > hi) {
        notes.push(`${spec.text} gives no ports with ${described}`);
        return { ranges: [], labels: [], text: `none (${described})`, ...base, usedParams: used, notes };
      }
      if (spec.envelope !== undefined && (lo < spec.envelope.from || hi > spec.envelope.to)) {
        notes.push(`${lo}..${hi} lies outside the documented ${formatRanges([[spec.envelope.from, spec.envelope.to]])}`);
      }
      const span = lo === hi ? String(lo) : `${lo}..${hi}`;
      return { ...single(lo, hi), text: `${span} (${described})`, ...base, usedParams: used, notes };
    }
    case 'ephemeral': {
      const proto = context.proto ?? 'tcp';
      const profiles = context.profiles ?? EPHEMERAL_PROFILES;
      const profile = context.os === undefined ? undefined : selectEphemeralProfile(context.os, context.release, proto, profiles);
      const p = profile ?? ianaProfile(profiles);
      const notes =
        profile === undefined
          ? [context.os === undefined ? "listener's OS not given: the IANA range" : `no ephemeral profile for OS "${context.os}": the IANA range`]
          : context.release === undefined && profile.releases !== undefined
            ? [`release not given: the newest ${profile.os} profile (${profile.releases})`]
            : [];
      return {
        ...single(p.from, p.to, `ephemeral ${p.id}`),
        text: `${formatRanges([[p.from, p.to]])} (ephemeral, ${p.id})`,
        ...base,
        dynamic: true,
        notes,
      };
    }
    case 'ftp-data':
    case 'rpc-dynamic': {
      const fbs = spec.fallback.filter((f) => fallbackApplies(f, context));
      const sorted = fbs.map((f) => ({ f, label: describeConditions(f.when) })).sort((a, b) => a.f.from - b.f.from || a.f.to - b.f.to);
      const what = spec.kind === 'ftp-data' ? 'announced on the FTP control channel' : 'announced by the portmapper';
      const text =
        sorted.length === 0
          ? `dynamic (${what}; no fallback range)`
          : `dynamic (${what}); fallback ${sorted.map((s) => `${formatRanges([[s.f.from, s.f.to]])}${s.label === '' ? '' : ` on ${s.label}`}`).join('; ')}`;
      return {
        ranges: sorted.map((s): [number, number] => [s.f.from, s.f.to]),
        labels: sorted.map((s) => `fallback${s.label === '' ? '' : ` on ${s.label}`}: ${s.f.note}`),
        text,
        ...base,
        dynamic: true,
      };
    }
  }
}

/** Whether `port` lies in the spec's resolved ranges. */
export function portSpecContains(
  spec: PortSpec,
  port: number,
  params: Params,
  paramDefs: Readonly<Record<string, ParamDef>> = {},
  context: PortContext = {},
): boolean {
  return rangesContain(resolvePortSpec(spec, params, paramDefs, context).ranges, port);
}

/** Index of the first range holding `port`, or -1. */
export function rangeIndexOf(ranges: ReadonlyArray<readonly [number, number]>, port: number): number {
  return ranges.findIndex(([a, b]) => port >= a && port <= b);
}

export function rangesContain(ranges: ReadonlyArray<readonly [number, number]>, port: number): boolean {
  return rangeIndexOf(ranges, port) >= 0;
}
