import { describe, expect, it } from 'vitest';
import { builtinProductFiles, loadCatalog, validateProductFile } from '../../src/catalog/load.js';

// A run loads the built-in products without compiling the JSON Schema (catalog/load.ts,
// `schemaCheckBuiltins`); this holds every one of them to the schema instead.
describe('built-in products', () => {
  it('each passes the product JSON Schema and the semantic checks', () => {
    const files = builtinProductFiles();
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(() => validateProductFile(file)).not.toThrow();
  });

  it('load to the same catalog with and without the schema pass', () => {
    const fast = loadCatalog();
    const checked = loadCatalog({ schemaCheckBuiltins: true });
    expect(fast.hash).toBe(checked.hash);
    expect(fast.products).toEqual(checked.products);
  });
});
