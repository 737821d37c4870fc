/**
 * `portolan catalog list | show <product> | lookup <port>[/tcp|/udp] | validate <file>`: the
 * catalog of documented port requirements. Every verb honours the global `--catalog FILE`
 * (a user's own product files, validated and added to the built-ins).
 */
import { resolve } from 'node:path';
import Table from 'cli-table3';
import type { Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { loadCatalog, validateProductFile } from '../../catalog/load.js';
import { catalogParamNames, lookupPort, lookupRpcProgram } from '../../catalog/lookup.js';
import type { LookupHit } from '../../catalog/lookup.js';
import { describePortSpec } from '../../catalog/ports.js';
import type { PortContext } from '../../catalog/ports.js';
import type { Catalog, Params, Product, Rule, TransportProto } from '../../catalog/types.js';
import type { CommandDef } from '../command.js';
import { EXIT_OK } from '../command.js';
import type { Io } from '../io.js';
import { useColour, writeOut } from '../io.js';

const FORMATS = ['table', 'json'] as const;
type Format = (typeof FORMATS)[number];

function withFormat(y: Argv): Argv {
  return y.option('format', { choices: FORMATS, default: 'table', describe: 'output format' });
}

function formatOf(args: Record<string, unknown>): Format {
  return args['format'] === 'json' ? 'json' : 'table';
}

interface UserFile {
  /** As the user wrote it: messages name it so. */
  typed: string;
  abs: string;
}

function userFiles(args: Record<string, unknown>, io: Io): UserFile[] {
  const raw = args['catalog'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((f) => String(f)).map((typed) => ({ typed, abs: resolve(io.cwd, typed) }));
}

function loadFor(files: readonly UserFile[]): Catalog {
  return loadCatalog({ extraFiles: files.map((f) => f.abs), names: files.map((f) => f.typed) });
}

/**
 * A table that fits the terminal (120 columns when not a terminal). Every column is at least as
 * wide as its longest word (ids are never cut), then the spare width goes to the columns that
 * can use it, by weight; long cells wrap on word boundaries.
 */
function renderTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>, weights: readonly number[], io: Io): string {
  const columns = Math.max(80, io.stdout.columns ?? 120);
  const n = head.length;
  const inner = columns - (n + 1) - 2 * n;
  const cells = (i: number): string[] => [head[i] ?? '', ...rows.map((r) => r[i] ?? '')];
  const natural = head.map((_, i) => Math.max(...cells(i).flatMap((c) => c.split('\n').map((l) => l.length))));
  const longestWord = head.map((_, i) => Math.min(40, Math.max(...cells(i).flatMap((c) => c.split(/\s+/).map((w) => w.length)))));
  const widths = head.map((_, i) => Math.min(natural[i] ?? 0, longestWord[i] ?? 0));
  let spare = inner - widths.reduce((a, b) => a + b, 0);
  for (let round = 0; round < n && spare > 0; round++) {
    const open = head.map((_, i) => i).filter((i) => (widths[i] ?? 0) < (natural[i] ?? 0));
    const weight = open.reduce((a, i) => a + (weights[i] ?? 1), 0);
    if (open.length === 0 || weight === 0) break;
    let given = 0;
    for (const i of open) {
      const share = Math.max(1, Math.floor((spare * (weights[i] ?? 1)) / weight));
      const add = Math.min(share, (natural[i] ?? 0) - (widths[i] ?? 0), spare - given);
      widths[i] = (widths[i] ?? 0) + add;
      given += add;
    }
    spare -= given;
    if (given === 0) break;
  }
  const colour = useColour(io);
  const t = new Table({
    head: colour ? head.map((h) => `\u001b[1m${h}\u001b[0m`) : [...head],
    colWidths: widths.map((w) => w + 2),
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 },
  });
  for (const r of rows) t.push([...r]);
  return t.toString();
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function roleName(product: Product, id: string): string {
  if (id === '*') return '*';
  return product.roles.find((r) => r.id === id)?.id ?? id;
}

function levelText(level: string, condition: string | undefined): string {
  return condition === undefined ? level : `${level}: ${condition}`;
}

// ---- list

const listCommand: CommandDef = {
  command: 'list',
  describe: 'products, their roles and rule counts',
  builder: withFormat,
  run: async (args, io) => {
    const catalog = loadFor(userFiles(args, io));
    if (formatOf(args) === 'json') {
      const out = catalog.products.map((p) => ({
        id: p.id,
        name: p.name,
        file: catalog.files[p.id] ?? '',
        documents: p.documents,
        roles: p.roles.map((r) => ({ id: r.id, name: r.name })),
        params: Object.fromEntries(Object.entries(p.params ?? {}).map(([k, v]) => [k, v.default ?? null])),
        rules: p.rules.length,
      }));
      await writeOut(io.stdout, json({ hash: catalog.hash, products: out }));
      return EXIT_OK;
    }
    const rows = catalog.products.map((p) => [
      p.id,
      p.name,
      String(p.rules.length),
      p.roles.map((r) => r.id).join(', '),
      p.documents.map((d) => d.document).join('\n'),
    ]);
    const table = renderTable(['product', 'name', 'rules', 'roles', 'documents'], rows, [1, 2, 1, 6, 2], io);
    await writeOut(io.stdout, `${table}\ncatalog sha256 ${catalog.hash}\n`);
    return EXIT_OK;
  },
};

// ---- show

function ruleRow(product: Product, r: Rule): string[] {
  const src = r.sourcePorts === undefined ? '' : `\nfrom port ${describePortSpec(r.sourcePorts)}`;
  return [
    `${r.id}\n${r.service}`,
    `${roleName(product, r.from)} → ${roleName(product, r.to)}${r.local === true ? ' (local)' : ''}`,
    `${r.proto.join('/')}${r.protoStated ? '' : ' (protocol not stated)'}\n${describePortSpec(r.ports)}${src}`,
    levelText(r.level, r.condition),
    r.source.section,
  ];
}

const showCommand: CommandDef = {
  command: 'show <product>',
  describe: 'every rule of one product: ports, level, roles and source section',
  builder: (y) => withFormat(y.positional('product', { type: 'string', describe: 'product id (see catalog list)' })),
  run: async (args, io) => {
    const catalog = loadFor(userFiles(args, io));
    const id = String(args['product']);
    const product = catalog.products.find((p) => p.id === id);
    if (product === undefined) {
      throw new UsageError(`no product "${id}" in the catalog (products: ${catalog.products.map((p) => p.id).join(', ')})`);
    }
    if (formatOf(args) === 'json') {
      await writeOut(io.stdout, json(product));
      return EXIT_OK;
    }
    const table = renderTable(
      ['rule / service', 'from → to', 'proto / ports', 'level', 'source section'],
      product.rules.map((r) => ruleRow(product, r)),
      [2, 2, 4, 4, 3],
      io,
    );
    const head = `${product.name} (${product.id}): ${product.rules.length} rules from ${product.documents.map((d) => d.document).join(', ')}\n`;
    const recs = (product.recommendations ?? []).map((r) => `recommendation: ${r.text}\n`).join('');
    await writeOut(io.stdout, `${head}${table}\n${recs}`);
    return EXIT_OK;
  },
};

// ---- lookup

const PORT_RE = /^(\d{1,10})(?:\/(tcp|udp))?$/i;

/** `3001/tcp` → port and transport. */
export function parsePortArg(text: string): { port: number; proto: TransportProto | undefined } {
  const m = PORT_RE.exec(text.trim());
  if (m === null) throw new UsageError(`"${text}" is not a port: write it as 3001, 3001/tcp or 3001/udp`);
  const proto = m[2] === undefined ? undefined : m[2].toLowerCase() === 'udp' ? 'udp' : 'tcp';
  return { port: Number(m[1]), proto };
}

/** `--param max_open_server=25` values, checked against the parameters the catalog declares. */
export function parseParams(raw: unknown, known: readonly string[]): Params {
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const params: Params = {};
  for (const item of list) {
    const text = String(item);
    const m = /^([^=]+)=(.*)$/.exec(text);
    if (m === null) throw new UsageError(`--param "${text}": write it as name=value, e.g. max_open_server=25`);
    const given = (m[1] ?? '').trim();
    const name = known.find((k) => k === given) ?? known.find((k) => k.toLowerCase() === given.toLowerCase());
    if (name === undefined) throw new UsageError(`--param "${text}": unknown parameter "${given}" (known: ${known.join(', ')})`);
    const valueText = (m[2] ?? '').trim();
    if (!/^\d{1,6}$/.test(valueText)) throw new UsageError(`--param "${text}": the value must be a whole number from 0 to 999999`);
    params[name] = Number(valueText);
  }
  return params;
}

function lookupTable(hits: readonly LookupHit[], io: Io): string {
  const rows = hits.map((h) => [
    `${h.product ?? '(os profile)'}\n${h.rule}`,
    h.service,
    `${h.proto.join('/')}\n${h.ports}${h.sourcePorts === undefined ? '' : `\nfrom port ${h.sourcePorts}`}`,
    levelText(h.level, h.condition),
    `${h.from} → ${h.to}`,
    h.source.section,
  ]);
  const table = renderTable(['product / rule', 'service', 'proto / ports', 'level', 'from → to', 'source section'], rows, [1, 2, 4, 4, 2, 3], io);
  const notes: string[] = [];
  for (const h of hits) {
    for (const n of h.notes) notes.push(`  ${h.product ?? h.kind} ${h.rule}: ${n}`);
  }
  return `${table}\n${notes.length > 0 ? `notes:\n${notes.join('\n')}\n` : ''}`;
}

const lookupCommand: CommandDef = {
  command: 'lookup <port>',
  describe: 'every rule that documents a port (3001, 3001/tcp, 3001/udp), and the OS ephemeral ranges holding it',
  builder: (y) =>
    withFormat(
      y
        .positional('port', { type: 'string', describe: 'port, optionally with /tcp or /udp; a number above 65535 is read as an ONC RPC program' })
        .option('param', { type: 'string', array: true, requiresArg: true, nargs: 1, describe: 'formula parameter, name=value (e.g. max_open_server=25); may be repeated' })
        .option('os', { type: 'string', requiresArg: true, describe: "listener's OS, for rules on its ephemeral range" })
        .option('release', { type: 'string', requiresArg: true, describe: "listener's OS release (with --os)" })
        .option('model', { type: 'string', requiresArg: true, describe: 'hardware model for per-model ranges (e.g. HCU200)' }),
    ),
  run: async (args, io) => {
    const { port, proto } = parsePortArg(String(args['port']));
    const catalog = loadFor(userFiles(args, io));
    const params = parseParams(args['param'], catalogParamNames(catalog));
    const context: PortContext = {};
    if (typeof args['os'] === 'string') context.os = args['os'];
    if (typeof args['release'] === 'string') context.release = args['release'];
    if (typeof args['model'] === 'string') context.model = args['model'];
    let hits: LookupHit[];
    if (port > 65535) {
      hits = lookupRpcProgram(catalog, port, proto, params);
      if (hits.length === 0) throw new UsageError(`port ${port} is out of range (0-65535), and no rule names ONC RPC program ${port}`);
    } else {
      hits = lookupPort(catalog, port, proto, params, { context });
    }
    if (formatOf(args) === 'json') {
      await writeOut(io.stdout, json(hits));
      return EXIT_OK;
    }
    const what = `${port}${proto === undefined ? '' : `/${proto}`}`;
    if (hits.length === 0) {
      await writeOut(io.stdout, `no rule or ephemeral range documents ${what}\n`);
      return EXIT_OK;
    }
    await writeOut(io.stdout, `${what}: ${hits.length} match${hits.length === 1 ? '' : 'es'}\n${lookupTable(hits, io)}`);
    return EXIT_OK;
  },
};

// ---- validate

const validateCommand: CommandDef = {
  command: 'validate <file>',
  describe: "check a product file against the schema and the catalog (exit 2 with the file, rule and field when it fails)",
  builder: (y) => withFormat(y.positional('file', { type: 'string', describe: 'product JSON file' })),
  run: async (args, io) => {
    const typed = String(args['file']);
    const abs = resolve(io.cwd, typed);
    const product = validateProductFile(abs, typed);
    // Also load it into the catalog, which catches a product id the built-ins already use.
    const files = userFiles(args, io).filter((f) => f.abs !== abs);
    const catalog = loadFor([...files, { typed, abs }]);
    const summary = {
      file: typed,
      ok: true,
      product: product.id,
      roles: product.roles.length,
      rules: product.rules.length,
      catalogHash: catalog.hash,
    };
    if (formatOf(args) === 'json') {
      await writeOut(io.stdout, json(summary));
    } else {
      await writeOut(io.stdout, `${typed}: ok: product "${product.id}" (${product.name}), ${product.roles.length} roles, ${product.rules.length} rules\n`);
    }
    return EXIT_OK;
  },
};

const VERBS = ['list', 'show', 'lookup', 'validate'] as const;

/** Edit distance (insertions, deletions, substitutions) for "did you mean". */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function catalogVerbMessage(args: Record<string, unknown>): string {
  const words = Array.isArray(args['_']) ? args['_'].map(String) : [];
  const given = words[1];
  if (given === undefined) return `name a catalog command: ${VERBS.join(', ')}`;
  const near = VERBS.map((v) => ({ v, d: editDistance(given.toLowerCase(), v) })).sort((x, y) => x.d - y.d)[0];
  const hint = near !== undefined && near.d <= 3 ? `; did you mean catalog ${near.v}?` : '';
  return `unknown catalog command ${JSON.stringify(given)} (commands: ${VERBS.join(', ')})${hint}`;
}

export const catalogCommand: CommandDef = {
  command: 'catalog',
  describe: 'the catalog of documented port requirements: list, show, lookup, validate',
  builder: (y) => y.demandCommand(1, 'name a catalog command: list, show, lookup or validate'),
  run: (args) => Promise.reject(new UsageError(catalogVerbMessage(args))),
  subcommands: [listCommand, showCommand, lookupCommand, validateCommand],
};
