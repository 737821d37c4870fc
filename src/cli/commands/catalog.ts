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
import type { Catalog, Product, Rule, TransportProto } from '../../catalog/types.js';
import type { CommandDef } from '../command.js';
import { EXIT_OK } from '../command.js';
import { READ_EXIT_CODES, editDistance, helpEpilog } from '../help.js';
import { parseParamOptions } from '../params.js';
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
function renderTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>, weights: readonly number[], io: Io, colour: boolean): string {
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

/** `--color` / `--no-color`, else colour only on a terminal without NO_COLOR. */
function colourOf(args: Record<string, unknown>, io: Io): boolean {
  const c = args['color'];
  return typeof c === 'boolean' ? c : useColour(io);
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
  builder: (y) => helpEpilog(withFormat(y), [['catalog list', 'the products'], ['catalog list --catalog acme.json --format json', 'with your own product, as JSON']], READ_EXIT_CODES),
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
    const table = renderTable(['product', 'name', 'rules', 'roles', 'documents'], rows, [1, 2, 1, 6, 2], io, colourOf(args, io));
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
  builder: (y) =>
    helpEpilog(
      withFormat(y.positional('product', { type: 'string', describe: 'product id (see catalog list)' })),
      [['catalog show stratus-vos', 'every rule of Stratus VOS STCP, with the document section it comes from']],
      READ_EXIT_CODES,
    ),
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
      colourOf(args, io),
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

function lookupTable(hits: readonly LookupHit[], io: Io, colour: boolean): string {
  const rows = hits.map((h) => [
    `${h.product ?? '(os profile)'}\n${h.rule}`,
    h.service,
    `${h.proto.join('/')}\n${h.ports}${h.sourcePorts === undefined ? '' : `\nfrom port ${h.sourcePorts}`}`,
    levelText(h.level, h.condition),
    `${h.from} → ${h.to}`,
    h.source.section,
  ]);
  const table = renderTable(['product / rule', 'service', 'proto / ports', 'level', 'from → to', 'source section'], rows, [1, 2, 4, 4, 2, 3], io, colour);
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
    helpEpilog(
      withFormat(
        y
          .positional('port', { type: 'string', describe: 'port, optionally with /tcp or /udp; a number above 65535 is read as an ONC RPC program' })
          .option('param', { type: 'string', array: true, requiresArg: true, nargs: 1, describe: 'formula parameter, name=value (e.g. max_open_server=25); may be repeated' })
          .option('os', { type: 'string', requiresArg: true, describe: "listener's OS, for rules on its ephemeral range" })
          .option('release', { type: 'string', requiresArg: true, describe: "listener's OS release (with --os)" })
          .option('model', { type: 'string', requiresArg: true, describe: 'hardware model for per-model ranges (e.g. HCU200)' }),
      ),
      [
        ['catalog lookup 3001/tcp --param max_open_server=25', 'which rules document 3001/tcp, formulas worked out'],
        ['catalog lookup 32800/tcp --os linux --release 2.6.32', "and whether it is in that OS's ephemeral range"],
        ['catalog lookup 100232', 'an ONC RPC program number'],
      ],
      READ_EXIT_CODES,
    ),
  run: async (args, io) => {
    const { port, proto } = parsePortArg(String(args['port']));
    const catalog = loadFor(userFiles(args, io));
    const params = parseParamOptions(args['param'], catalogParamNames(catalog));
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
    await writeOut(io.stdout, `${what}: ${hits.length} match${hits.length === 1 ? '' : 'es'}\n${lookupTable(hits, io, colourOf(args, io))}`);
    return EXIT_OK;
  },
};

// ---- validate

const validateCommand: CommandDef = {
  command: 'validate <file>',
  describe: "check a product file against the schema and the catalog (exit 2 with the file, rule and field when it fails)",
  builder: (y) =>
    helpEpilog(
      withFormat(y.positional('file', { type: 'string', describe: 'product JSON file (schema and example in docs/catalog.md)' })),
      [['catalog validate acme-backup.json', 'check your own product file before passing it with --catalog']],
      READ_EXIT_CODES,
    ),
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
  builder: (y) =>
    helpEpilog(
      y.demandCommand(1, 'name a catalog command: list, show, lookup or validate'),
      [
        ['catalog list', 'products, roles and rule counts'],
        ['catalog lookup 3001/tcp', 'which rules document a port'],
      ],
      READ_EXIT_CODES,
    ),
  run: (args) => Promise.reject(new UsageError(catalogVerbMessage(args))),
  subcommands: [listCommand, showCommand, lookupCommand, validateCommand],
};
