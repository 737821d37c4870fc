/**
 * A small JSON Schema validator for the subset of draft 2020-12 that portolan's own data schemas
 * use (https://json-schema.org/draft/2020-12/json-schema-validation): `type`, `properties`,
 * `required`, `additionalProperties`, `propertyNames`, `items`, `minItems`, `enum`, `const`,
 * `pattern`, `minLength`, `maxLength`, `minimum`, `maximum`, `anyOf`, `not` with `required`, and
 * local `$ref`s to `#/$defs/...`. Keywords outside the subset are rejected when the schema is
 * loaded, so the schema can never silently mean more than the validator checks.
 * Data only: nothing in a validated file is ever evaluated.
 */

export interface SchemaError {
  /** JSON pointer of the offending value (RFC 6901). */
  pointer: string;
  message: string;
}

type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';

interface Schema {
  type?: JsonType | JsonType[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  minItems?: number;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  anyOf?: Schema[];
  not?: Schema;
  $ref?: string;
  $defs?: Record<string, Schema>;
}

const KNOWN = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'propertyNames', 'items', 'minItems', 'enum', 'const',
  'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'anyOf', 'not', '$ref', '$defs',
  '$schema', '$id', 'title', 'description', '$comment', 'examples', 'default',
]);

function checkSchemaKeywords(s: unknown, where: string): void {
  if (typeof s !== 'object' || s === null) return;
  for (const [k, v] of Object.entries(s)) {
    if (!KNOWN.has(k)) throw new Error(`schema ${where}: keyword "${k}" is not supported by portolan's validator`);
    if (k === 'properties' || k === '$defs') {
      for (const [pk, pv] of Object.entries(v as Record<string, unknown>)) checkSchemaKeywords(pv, `${where}/${k}/${pk}`);
    } else if (k === 'items' || k === 'additionalProperties' || k === 'propertyNames' || k === 'not') {
      checkSchemaKeywords(v, `${where}/${k}`);
    } else if (k === 'anyOf') {
      (v as unknown[]).forEach((sub, i) => checkSchemaKeywords(sub, `${where}/anyOf/${i}`));
    }
  }
}

function typeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  return 'object';
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export class JsonSchemaValidator {
  private readonly root: Schema;
  private readonly patterns = new Map<string, RegExp>();

  constructor(schema: unknown) {
    checkSchemaKeywords(schema, '#');
    // The boundary: the schema was checked for known keywords above; its values are ours (shipped with the package).
    this.root = schema as Schema;
  }

  /** Validates `value`; returns every error found (the first few per object are enough for a person). */
  validate(value: unknown): SchemaError[] {
    const errors: SchemaError[] = [];
    this.check(this.root, value, '', errors);
    return errors;
  }

  private resolve(s: Schema): Schema {
    if (s.$ref === undefined) return s;
    const m = /^#\/\$defs\/([A-Za-z0-9_-]+)$/.exec(s.$ref);
    const target = m === null ? undefined : this.root.$defs?.[m[1]!];
    if (target === undefined) throw new Error(`schema: cannot resolve $ref ${s.$ref}`);
    return this.resolve(target);
  }

  private check(schemaIn: Schema, v: unknown, ptr: string, errors: SchemaError[]): void {
    const s = this.resolve(schemaIn);
    const t = typeOf(v);
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      const ok = types.includes(t) || (t === 'integer' && types.includes('number'));
      if (!ok) {
        errors.push({ pointer: ptr, message: `must be ${types.map((x) => (x === 'integer' ? 'an integer' : x === 'object' ? 'an object' : x === 'array' ? 'an array' : `a ${x}`)).join(' or ')}, not ${show(v)}` });
        return;
      }
    }
    if (s.const !== undefined && v !== s.const) errors.push({ pointer: ptr, message: `must be ${show(s.const)}` });
    if (s.enum !== undefined && !s.enum.includes(v)) {
      errors.push({ pointer: ptr, message: `${show(v)} is not one of ${s.enum.map(show).join(', ')}` });
    }
    if (s.anyOf !== undefined) {
      let best: SchemaError[] | undefined;
      for (const sub of s.anyOf) {
        const e: SchemaError[] = [];
        this.check(sub, v, ptr, e);
        if (e.length === 0) {
          best = undefined;
          break;
        }
        if (best === undefined || e.length < best.length) best = e;
      }
      if (best !== undefined) errors.push(...best);
    }
    if (s.not !== undefined) {
      const e: SchemaError[] = [];
      this.check(s.not, v, ptr, e);
      if (e.length === 0) {
        const req = this.resolve(s.not).required;
        errors.push({ pointer: ptr, message: req !== undefined ? `must not have ${req.map((r) => `"${r}"`).join(' together with ')}` : 'has a form that is not allowed' });
      }
    }
    if (t === 'string') {
      const str = v as string;
      if (s.minLength !== undefined && str.length < s.minLength) errors.push({ pointer: ptr, message: s.minLength === 1 ? 'must not be empty' : `must be at least ${s.minLength} characters` });
      if (s.maxLength !== undefined && str.length > s.maxLength) errors.push({ pointer: ptr, message: `must be at most ${s.maxLength} characters` });
      if (s.pattern !== undefined) {
        let re = this.patterns.get(s.pattern);
        if (re === undefined) {
          re = new RegExp(s.pattern, 'u');
          this.patterns.set(s.pattern, re);
        }
        if (!re.test(str)) errors.push({ pointer: ptr, message: `${show(str)} does not match ${s.pattern}` });
      }
    } else if (t === 'integer' || t === 'number') {
      const n = v as number;
      if (s.minimum !== undefined && n < s.minimum) errors.push({ pointer: ptr, message: `${n} is less than ${s.minimum}` });
      if (s.maximum !== undefined && n > s.maximum) errors.push({ pointer: ptr, message: `${n} is more than ${s.maximum}` });
    } else if (t === 'array') {
      const arr = v as unknown[];
      if (s.minItems !== undefined && arr.length < s.minItems) errors.push({ pointer: ptr, message: s.minItems === 1 ? 'must not be empty' : `must have at least ${s.minItems} items` });
      if (s.items !== undefined) arr.forEach((item, i) => this.check(s.items!, item, `${ptr}/${i}`, errors));
    } else if (t === 'object') {
      const obj = v as Record<string, unknown>;
      for (const r of s.required ?? []) {
        if (!Object.prototype.hasOwnProperty.call(obj, r)) errors.push({ pointer: ptr, message: `field "${r}" is required` });
      }
      for (const [k, pv] of Object.entries(obj)) {
        const child = `${ptr}/${escapePointer(k)}`;
        if (s.propertyNames !== undefined) {
          const e: SchemaError[] = [];
          this.check(s.propertyNames, k, child, e);
          for (const x of e) errors.push({ pointer: child, message: `name ${x.message}` });
        }
        const ps = s.properties?.[k];
        if (ps !== undefined && Object.prototype.hasOwnProperty.call(s.properties, k)) {
          this.check(ps, pv, child, errors);
        } else if (s.additionalProperties === false) {
          errors.push({ pointer: child, message: `is not a known field${s.properties !== undefined ? ` (known fields: ${Object.keys(s.properties).join(', ')})` : ''}` });
        } else if (typeof s.additionalProperties === 'object') {
          this.check(s.additionalProperties, pv, child, errors);
        }
      }
    }
  }
}
