/**
 * Loads the catalog: the built-in products (`products/*.json` beside this module, in src/ and in
 * dist/ alike) plus the user's `--catalog` files, each validated on load.
 *
 * Validation has two layers. The JSON Schema (`schema/product.schema.json`, draft 2020-12, run by
 * ajv so that the published schema and the checks cannot drift apart) checks shape and types;
 * `checkProductSemantics` then checks what a schema cannot: ranges that run backwards, duplicate
 * rule ids, roles, parameters and control rules that are referenced but not declared, release
 * expressions that do not parse. Every failure is a DataFileError whose message names the file,
 * the rule and the field as a JSON pointer:
 *
 *     mycat.json: rule "osl": /rules/3/ports/to: must be a number
 *
 * This module and the inventory loader are the only catalog code that touch the file system.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type * as AjvModule from 'ajv/dist/2020.js';
import { DataFileError } from '../errors.js';
import { EPHEMERAL_PROFILES, normalizeOsName } from './ephemeral.js';
import { parseReleaseExpr, ReleaseExprError } from './release.js';
import type { Catalog, Conditions, EphemeralProfile, FallbackRange, LinearExpr, PortSpec, PortSpecKind, Product } from './types.js';

const PRODUCTS_DIR = fileURLToPath(new URL('./products/', import.meta.url));
const SCHEMA_FILE = fileURLToPath(new URL('./schema/product.schema.json', import.meta.url));

export const PORT_SPEC_KINDS: readonly PortSpecKind[] = ['port', 'list', 'range', 'formula', 'ephemeral', 'ftp-data', 'rpc-dynamic'];

export interface LoadCatalogOptions {
  /** User product files (`--catalog FILE`), added after the built-ins in this order. */
  extraFiles?: readonly string[];
  /** How messages name each extra file (parallel to `extraFiles`; default: the path itself). */
  names?: readonly string[];
  /**
   * Run the JSON Schema over the built-in products too (default false: they ship with the package
   * and the test suite holds each of them to the schema, while compiling the schema costs about a
   * quarter of a second per run; their semantic checks still run). User files always get both.
   */
  schemaCheckBuiltins?: boolean;
}

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (validator === undefined) {
    const schema: unknown = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
    if (typeof schema !== 'object' || schema === null) throw new Error(`${SCHEMA_FILE}: not a JSON Schema`);
    // Loaded on first use: a run that reads no user product file never loads the validator.
    const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof AjvModule;
    const ajv = new Ajv2020({ allErrors: false, discriminator: true, strict: true, strictTypes: false });
    validator = ajv.compile(schema);
  }
  return validator;
}

/** Where a problem is: a JSON pointer, and the rule it sits in when it sits in one. */
class Problem {
  constructor(
    readonly pointer: string,
    readonly message: string,
  ) {}
}

function pointerJoin(base: string, key: string | number): string {
  return `${base}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function describeType(t: unknown): string {
  switch (t) {
    case 'number':
      return 'a number';
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    default:
      return String(t);
  }
}

/** The value a JSON pointer names in `data`, or undefined. */
function valueAt(data: unknown, pointer: string): unknown {
  let cur: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = Reflect.get(cur, key);
  }
  return cur;
}

/** Turns ajv's first error into a pointer and a sentence. */
function problemFromAjv(e: ErrorObject, data: unknown): Problem {
  const at = e.instancePath;
  const p: Record<string, unknown> = e.params;
  switch (e.keyword) {
    case 'required':
      return new Problem(pointerJoin(at, String(p['missingProperty'])), 'required field is missing');
    case 'additionalProperties':
      return new Problem(pointerJoin(at, String(p['additionalProperty'])), 'is not a known field');
    case 'type': {
      // "must be a number" for "3999" or null; "must be a whole number" for 3.5.
      if (p['type'] === 'integer') return new Problem(at, typeof valueAt(data, at) === 'number' ? 'must be a whole number' : 'must be a number');
      return new Problem(at, `must be ${describeType(p['type'])}`);
    }
    case 'enum': {
      const allowed = p['allowedValues'];
      return new Problem(at, `must be one of: ${Array.isArray(allowed) ? allowed.map(String).join(', ') : String(allowed)}`);
    }
    case 'const':
      return new Problem(at, `must be ${JSON.stringify(p['allowedValue'])}`);
    case 'minimum':
      return new Problem(at, `must be at least ${String(p['limit'])}`);
    case 'maximum':
      return new Problem(at, `must be at most ${String(p['limit'])}`);
    case 'minItems':
      return new Problem(at, `must have at least ${String(p['limit'])} item${p['limit'] === 1 ? '' : 's'}`);
    case 'minLength':
      return new Problem(at, 'must not be empty');
    case 'uniqueItems':
      return new Problem(at, 'must not repeat an item');
    case 'pattern':
      return new Problem(
        at,
        /\/(from|to)$/.test(at)
          ? 'must be a role id or "*"'
          : /\/(id|actsAs\/\d+|control)$/.test(at)
            ? 'must be a kebab-case id (a-z, 0-9, "-", ".")'
            : `must match ${String(p['pattern'])}`,
      );
    case 'propertyNames':
      return new Problem(at, `has a name that is not a parameter name: ${String(p['propertyName'])}`);
    case 'discriminator': {
      if (p['error'] === 'mapping') {
        return new Problem(
          pointerJoin(at, 'kind'),
          `unknown port kind ${JSON.stringify(p['tagValue'])} (expected one of: ${PORT_SPEC_KINDS.join(', ')})`,
        );
      }
      return new Problem(pointerJoin(at, 'kind'), 'must be a string naming the port kind');
    }
    default:
      return new Problem(at, e.message ?? `fails ${e.keyword}`);
  }
}

/** The id of the rule a pointer is inside (`/rules/3/...`), when the data has one. */
function ruleIdAt(data: unknown, pointer: string): string | undefined {
  const m = /^\/rules\/(\d+)(?:\/|$)/.exec(pointer);
  if (m === null) return undefined;
  const id = valueAt(data, `/rules/${m[1] ?? ''}/id`);
  return typeof id === 'string' ? id : undefined;
}

function fail(file: string, data: unknown, problem: Problem): never {
  const ruleId = ruleIdAt(data, problem.pointer);
  const where = ruleId === undefined ? '' : `rule "${ruleId}": `;
  const pointer = problem.pointer === '' ? '/' : problem.pointer;
  throw new DataFileError('catalog', `${file}: ${where}${pointer}: ${problem.message}`, {
    file,
    ...(ruleId === undefined ? {} : { entry: ruleId }),
    pointer,
  });
}

function lineColumn(text: string, offset: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `${line}:${col}`;
}

/** Largest product file read (the built-in ones are under 100 KiB; this stops `--catalog` pointed at a capture). */
export const MAX_CATALOG_FILE_BYTES = 32 * 1024 * 1024;

function readJson(file: string, display: string): unknown {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_CATALOG_FILE_BYTES) {
      throw new DataFileError('catalog-too-large', `${display}: ${size} bytes is more than a product file may be (${MAX_CATALOG_FILE_BYTES})`, { file: display });
    }
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    const code = e instanceof Error && 'code' in e ? e.code : undefined;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? e);
    throw new DataFileError('catalog-read', `${display}: cannot read: ${why}`, { file: display });
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    const where = pos === null ? '' : `:${lineColumn(text, Number(pos[1]))}`;
    throw new DataFileError('catalog-json', `${display}${where}: not valid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}`, {
      file: display,
    });
  }
}

function checkExprParams(expr: LinearExpr, pointer: string, params: Set<string>, problems: Problem[]): void {
  expr.terms.forEach((t, i) => {
    if (!params.has(t.param)) {
      const declared = params.size === 0 ? 'the product declares no parameters' : `declared: ${[...params].sort().join(', ')}`;
      problems.push(new Problem(`${pointer}/terms/${i}/param`, `unknown parameter "${t.param}" (${declared})`));
    }
  });
}

function checkConditions(c: Conditions | undefined, pointer: string, problems: Problem[]): void {
  if (c?.releases === undefined) return;
  try {
    parseReleaseExpr(c.releases);
  } catch (e) {
    if (!(e instanceof ReleaseExprError)) throw e;
    problems.push(new Problem(`${pointer}/releases`, e.message));
  }
}

function checkFallbacks(fb: readonly FallbackRange[], pointer: string, problems: Problem[]): void {
  fb.forEach((f, i) => {
    if (f.from > f.to) problems.push(new Problem(`${pointer}/${i}/from`, `must not be greater than to (${f.to})`));
    checkConditions(f.when, `${pointer}/${i}/when`, problems);
  });
}

function checkPortSpec(spec: PortSpec, pointer: string, product: Product, problems: Problem[]): void {
  const params = new Set(Object.keys(product.params ?? {}));
  switch (spec.kind) {
    case 'port':
    case 'ephemeral':
      return;
    case 'list': {
      const seen = new Set<number>();
      spec.ports.forEach((p, i) => {
        if (seen.has(p)) problems.push(new Problem(`${pointer}/ports/${i}`, `repeats port ${p}`));
        seen.add(p);
      });
      return;
    }
    case 'range':
      if (spec.from > spec.to) problems.push(new Problem(`${pointer}/from`, `must not be greater than to (${spec.to})`));
      return;
    case 'formula': {
      checkExprParams(spec.from, `${pointer}/from`, params, problems);
      checkExprParams(spec.to, `${pointer}/to`, params, problems);
      const env = spec.envelope;
      if (env !== undefined && env.from > env.to) problems.push(new Problem(`${pointer}/envelope/from`, `must not be greater than to (${env.to})`));
      return;
    }
    case 'ftp-data':
      if (!product.rules.some((r) => r.id === spec.control)) {
        problems.push(new Problem(`${pointer}/control`, `names no rule of this product: "${spec.control}"`));
      }
      checkFallbacks(spec.fallback, `${pointer}/fallback`, problems);
      return;
    case 'rpc-dynamic':
      checkFallbacks(spec.fallback, `${pointer}/fallback`, problems);
      return;
  }
}

/** Checks what the schema cannot; returns the first problem, or undefined. */
function checkProductSemantics(product: Product): Problem | undefined {
  const problems: Problem[] = [];
  const roleIds = new Map<string, number>();
  product.roles.forEach((r, i) => {
    const first = roleIds.get(r.id);
    if (first !== undefined) problems.push(new Problem(`/roles/${i}/id`, `duplicate role id "${r.id}" (first at /roles/${first})`));
    else roleIds.set(r.id, i);
  });
  const knownRoles = (): string => [...roleIds.keys()].sort().join(', ');
  product.roles.forEach((r, i) => {
    (r.actsAs ?? []).forEach((a, j) => {
      if (!roleIds.has(a)) problems.push(new Problem(`/roles/${i}/actsAs/${j}`, `unknown role "${a}" (declared roles: ${knownRoles()})`));
    });
  });
  const ruleIds = new Map<string, number>();
  product.rules.forEach((rule, i) => {
    const at = `/rules/${i}`;
    const first = ruleIds.get(rule.id);
    if (first !== undefined) problems.push(new Problem(`${at}/id`, `duplicate rule id "${rule.id}" (first at /rules/${first})`));
    else ruleIds.set(rule.id, i);
    for (const end of ['from', 'to'] as const) {
      const role = rule[end];
      if (role !== '*' && !roleIds.has(role)) problems.push(new Problem(`${at}/${end}`, `unknown role "${role}" (declared roles: ${knownRoles()}, or "*")`));
    }
    if (!rule.protoStated && !(rule.proto.includes('tcp') && rule.proto.includes('udp'))) {
      problems.push(new Problem(`${at}/proto`, 'must name both tcp and udp when protoStated is false (a rule whose document names no protocol covers both)'));
    }
    if (rule.level === 'conditional' && rule.condition === undefined) {
      problems.push(new Problem(`${at}/condition`, 'required field is missing (a conditional rule states its condition)'));
    }
    checkPortSpec(rule.ports, `${at}/ports`, product, problems);
    if (rule.sourcePorts !== undefined) checkPortSpec(rule.sourcePorts, `${at}/sourcePorts`, product, problems);
    checkConditions(rule.conditions, `${at}/conditions`, problems);
  });
  (product.ephemeralProfiles ?? []).forEach((p, i) => {
    const at = `/ephemeralProfiles/${i}`;
    if (p.from > p.to) problems.push(new Problem(`${at}/to`, `range ${p.from}-${p.to} is empty (from > to)`));
    if (EPHEMERAL_PROFILES.some((b) => b.id === p.id)) problems.push(new Problem(`${at}/id`, `"${p.id}" is a built-in ephemeral profile; give yours its own id`));
    if (p.releases !== undefined) {
      try {
        parseReleaseExpr(p.releases);
      } catch (e) {
        if (!(e instanceof ReleaseExprError)) throw e;
        problems.push(new Problem(`${at}/releases`, e.message));
      }
    }
  });
  return problems[0];
}

/**
 * Parses and validates one product file. `display` is how messages name it (defaults to the
 * path as given). Throws DataFileError on the first problem.
 */
export function validateProductFile(path: string, display: string = path): Product {
  const data = readJson(path, display);
  return validateProductData(data, display);
}

/** Validates an already-parsed product; `file` names it in messages. */
export function validateProductData(data: unknown, file: string): Product {
  const validate = schemaValidator();
  if (!validate(data)) {
    const first = validate.errors?.[0];
    fail(file, data, first === undefined ? new Problem('', 'does not match the product schema') : problemFromAjv(first, data));
  }
  // The one validated boundary: the schema above has checked every field of Product.
  const product = data as Product & { $schema?: string };
  // `$schema` only points editors at the schema; it is not part of the product.
  delete product.$schema;
  const problem = checkProductSemantics(product);
  if (problem !== undefined) fail(file, data, problem);
  return product;
}

/** A built-in product: its semantic checks without the schema (see `schemaCheckBuiltins`). */
function readBuiltinProduct(path: string, display: string): Product {
  const data = readJson(path, display);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail(display, data, new Problem('', 'must be object'));
  // Built-in files are held to the schema by the test suite (test/perf/builtin-catalog.test.ts).
  const product = data as Product & { $schema?: string };
  delete product.$schema;
  const problem = checkProductSemantics(product);
  if (problem !== undefined) fail(display, data, problem);
  return product;
}

/** The built-in product files, in name order. */
export function builtinProductFiles(): string[] {
  return readdirSync(PRODUCTS_DIR)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => join(PRODUCTS_DIR, n));
}

/** JSON with object keys sorted at every level: the input to the catalog hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The catalog: built-in products, then `extraFiles` in order. A product id may appear once;
 * a user file that reuses a built-in id is an error (give it its own id).
 */
export function loadCatalog(opts: LoadCatalogOptions = {}): Catalog {
  const products: Product[] = [];
  const files: Record<string, string> = {};
  const add = (path: string, display: string, builtin: boolean): void => {
    const product = builtin && opts.schemaCheckBuiltins !== true ? readBuiltinProduct(path, display) : validateProductFile(path, display);
    const existing = files[product.id];
    if (existing !== undefined) {
      throw new DataFileError('catalog', `${display}: /id: product id "${product.id}" is already defined by ${existing}`, {
        file: display,
        pointer: '/id',
      });
    }
    files[product.id] = display;
    products.push(product);
  };
  for (const path of builtinProductFiles()) add(path, `products/${basename(path)}`, true);
  (opts.extraFiles ?? []).forEach((path, i) => add(path, opts.names?.[i] ?? path, false));
  const ephemeralProfiles: EphemeralProfile[] = EPHEMERAL_PROFILES.map((p) => ({ ...p, proto: [...p.proto] }));
  // A user's product may state the ephemeral range of an OS the built-in profiles do not know.
  const profileOwner = new Map<string, string>(ephemeralProfiles.map((p) => [p.id, 'built-in profiles']));
  for (const product of products) {
    (product.ephemeralProfiles ?? []).forEach((p, i) => {
      const owner = profileOwner.get(p.id);
      if (owner !== undefined) {
        throw new DataFileError('catalog', `${files[product.id] ?? product.id}: /ephemeralProfiles/${i}/id: ephemeral profile id "${p.id}" is already defined by ${owner}`, {
          file: files[product.id] ?? product.id,
          pointer: `/ephemeralProfiles/${i}/id`,
        });
      }
      profileOwner.set(p.id, files[product.id] ?? product.id);
      ephemeralProfiles.push({ ...p, os: normalizeOsName(p.os) ?? p.os.trim().toLowerCase(), proto: [...p.proto], product: product.id });
    });
  }
  const hash = createHash('sha256')
    .update(canonicalJson({ products: [...products].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), ephemeralProfiles }))
    .digest('hex');
  return { products, ephemeralProfiles, hash, files };
}
