/**
 * The README's Inputs section lists every entry of the two registries — the link types the
 * decoders read and the log formats — by its registry name, so it cannot go stale when one is
 * added; and the README keeps its sections in the order STYLE.md asks for.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LINKTYPE, isLinkTypeSupported } from '../../src/ingest/decode/index.js';
import { logFormats } from '../../src/ingest/logs/registry.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const next = readme.indexOf('\n## ', start + 4);
  return readme.slice(start, next < 0 ? readme.length : next);
}

describe('README', () => {
  it('lists every decoded link type with its registry name and number', () => {
    const inputs = section('Inputs');
    for (const [name, value] of Object.entries(LINKTYPE)) {
      expect(isLinkTypeSupported(value), name).toBe(true);
      expect(inputs, `LINKTYPE.${name}`).toMatch(new RegExp(`\\| \`${name}\` \\| ${value} \\|`));
    }
  });

  it('lists every log format of the registry by name', () => {
    const inputs = section('Inputs');
    for (const f of logFormats) expect(inputs, f.name).toContain(`| \`${f.name}\` |`);
  });

  it('keeps the order: what it answers, install and demo, inputs, catalog, reports, exit codes, library use', () => {
    const order = ['Install and run', 'Inputs', 'Catalog', 'Reports', 'Exit codes', 'Library use'].map((t) => readme.indexOf(`\n## ${t}\n`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(readme.indexOf('1. **Is everything that talks documented?**')).toBeLessThan(order[0]!);
  });

  it("shows the demo's real output (fixtures/report/demo.expected.txt)", () => {
    const demo = readFileSync(new URL('../../fixtures/report/demo.expected.txt', import.meta.url), 'utf8').trimEnd();
    expect(readme).toContain(`It prints:\n\n\`\`\`\n${demo}\n\`\`\``);
  });

  it('has no placeholder text', () => {
    expect(readme).not.toMatch(/follows as they land|TODO|TBD|placeholder/i);
  });
});
