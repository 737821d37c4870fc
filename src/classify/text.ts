/**
 * How verdicts name things in words: endpoints, flows, outcomes, times and port specs. Kept in one
 * place so every reason reads the same way and tests can check reasons word for word.
 */
import type { Endpoint, Flow, Outcome } from '../model.js';
import type { PortSpec, Product, Rule } from '../catalog/types.js';

/** `10.0.0.5:40112`, `[2001:db8::1]:21`; the address alone when the protocol has no ports. */
export function endpointText(ep: Endpoint, withPort = true): string {
  const ip = ep.ip.includes(':') ? `[${ep.ip}]` : ep.ip;
  return withPort ? `${ip}:${ep.port}` : ep.ip;
}

/** `10.0.0.5:40112 → 10.1.0.7:21`. */
export function flowText(client: Endpoint, server: Endpoint, withPorts = true): string {
  return `${endpointText(client, withPorts)} → ${endpointText(server, withPorts)}`;
}

/** Parses `a:p → b:p` (IPv6 in brackets) back into endpoints; undefined when it is not that form. */
export function parseFlowText(text: string): { client: Endpoint; server: Endpoint } | undefined {
  const parts = text.split(/\s*(?:→|->)\s*/);
  if (parts.length !== 2) return undefined;
  const a = parseEndpointText(parts[0]!);
  const b = parseEndpointText(parts[1]!);
  return a !== undefined && b !== undefined ? { client: a, server: b } : undefined;
}

function parseEndpointText(text: string): Endpoint | undefined {
  const t = text.trim();
  let ip: string;
  let portText: string;
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0 || t[close + 1] !== ':') return undefined;
    ip = t.slice(1, close);
    portText = t.slice(close + 2);
  } else {
    const colon = t.lastIndexOf(':');
    if (colon < 0) return undefined;
    ip = t.slice(0, colon);
    portText = t.slice(colon + 1);
    if (ip.includes(':')) return undefined;
  }
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535 || ip.length === 0) return undefined;
  return { ip, port };
}

/** `12:03:05.221` (UTC) from an RFC 3339 time; the text as given when it is not one. */
export function timeOfDay(rfc3339: string): string {
  const m = /T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?/.exec(rfc3339);
  if (m === null) return rfc3339;
  const ms = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  return `${m[1]}.${ms}`;
}

/** Milliseconds since the epoch of an RFC 3339 time (fractions past milliseconds dropped); NaN when unreadable. */
export function timeMillis(rfc3339: string): number {
  // Fast path for the flow table's own form, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
  if (rfc3339.length >= 20 && rfc3339.charCodeAt(rfc3339.length - 1) === 90 /* Z */ && rfc3339.charCodeAt(10) === 84 /* T */) {
    const n = (at: number, len: number): number => {
      let v = 0;
      for (let i = at; i < at + len; i++) {
        const c = rfc3339.charCodeAt(i) - 48;
        if (c < 0 || c > 9) return NaN;
        v = v * 10 + c;
      }
      return v;
    };
    let ms = 0;
    if (rfc3339.charCodeAt(19) === 46 /* . */) {
      const digits = Math.min(3, rfc3339.length - 21);
      ms = n(20, digits) * (digits === 3 ? 1 : digits === 2 ? 10 : 100);
    }
    const t = Date.UTC(n(0, 4), n(5, 2) - 1, n(8, 2), n(11, 2), n(14, 2), n(17, 2)) + ms;
    if (!Number.isNaN(t)) return t;
  }
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(rfc3339);
  if (m === null) return Date.parse(rfc3339);
  const ms = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  return Date.parse(`${m[1]}.${ms}${m[3]}`);
}

/** RFC 3339 UTC with milliseconds for a time in milliseconds. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/** The words for a role of a product: its name, or `any host` for `*`. */
export function roleName(product: Product, role: string): string {
  if (role === '*') return 'any host';
  return product.roles.find((r) => r.id === role)?.name ?? role;
}

/** `PathTrak rule hcu-ftp-data (HCU inbound from PathTrak Server)`. */
export function ruleTitle(product: Product, rule: Rule): string {
  return `${product.name} rule ${rule.id} (${roleName(product, rule.to)} inbound from ${roleName(product, rule.from)})`;
}

/** `PathTrak Server → HCU` (initiator → listener). */
export function ruleDirection(product: Product, rule: Rule): string {
  return `${roleName(product, rule.from)} → ${roleName(product, rule.to)}`;
}

/** How the document asks for a rule, in words. */
export function levelWords(rule: Rule): string {
  switch (rule.level) {
    case 'required':
      return 'required';
    case 'optional':
      return 'optional';
    case 'conditional': {
      const c = rule.condition?.trim() ?? '';
      if (c.length === 0) return 'conditional';
      // A condition that is a release expression reads as one; any other text stands as the document wrote it.
      if (rule.conditions?.releases !== undefined && rule.conditions.releases.trim() === c) return `required in releases ${c}`;
      return `conditional: ${c}`;
    }
    case 'not-used':
      return 'documented as not used';
    case 'should-block':
      return 'the document recommends that firewalls block it';
    default: {
      const never: never = rule.level;
      return String(never);
    }
  }
}

/** A port spec in short words: `5808`, `80, 443`, `600-1023`, the formula text, `ephemeral`, ... */
export function portSpecWords(spec: PortSpec): string {
  switch (spec.kind) {
    case 'port':
      return String(spec.port);
    case 'list':
      return spec.ports.join(', ');
    case 'range':
      return `${spec.from}-${spec.to}`;
    case 'formula':
      return spec.text;
    case 'ephemeral':
      return "the listener's ephemeral range";
    case 'ftp-data':
      return 'announced FTP data ports';
    case 'rpc-dynamic':
      return 'ports announced by the portmapper';
    default: {
      const never: never = spec;
      return String(never);
    }
  }
}

const TCP_FLAG_WORDS: Partial<Record<Outcome, string>> = {
  rejected: 'rejected (SYN answered by RST)',
  unanswered: 'unanswered (SYN with no reply)',
};

/** Why a blocked flow counts as blocked, in words. */
export function blockedWords(flow: Flow): string {
  switch (flow.outcome) {
    case 'rejected':
      return flow.proto === 'tcp' ? TCP_FLAG_WORDS.rejected! : 'rejected';
    case 'unanswered':
      // From a log that gave no verdict (a prefix without DROP/ACCEPT words): what it shows is an attempt with no reply.
      if (flow.evidence.line !== undefined && flow.firewall === undefined) return 'unanswered (the log shows the attempt and no reply, and states no verdict)';
      return flow.proto === 'tcp' ? TCP_FLAG_WORDS.unanswered! : 'unanswered (no reply seen)';
    case 'icmp-prohibited':
    case 'icmp-unreachable': {
      const e = flow.icmpError;
      const kind = flow.outcome === 'icmp-prohibited' ? 'ICMP administratively prohibited' : 'ICMP unreachable';
      return e === undefined ? kind : `${kind} (type ${e.type} code ${e.code}) from ${e.from}`;
    }
    case 'denied': {
      const fw = flow.firewall;
      if (fw === undefined) return 'denied by a firewall';
      const rule = fw.rule !== undefined && fw.rule.length > 0 ? ` rule "${fw.rule}"` : '';
      const times = fw.count > 1 ? ` (${fw.count} times)` : '';
      return `denied by ${fw.source}${rule}${times}`;
    }
    default:
      return flow.outcome;
  }
}
