/**
 * Product releases and the release expressions the vendor documents write.
 *
 * A release is a dotted number with optional build letters: `14.5.0at`, `15.1.1`, `16`. Releases
 * compare number by number (a missing part counts as 0, so `14.7` = `14.7.0`), then by the build
 * letters: none sorts first, then shorter before longer, then alphabetically (`14.5.0z` <
 * `14.5.0at` < `14.5.0ba`), the way Stratus VOS build letters run (`a` … `z`, `aa` … `az`, `ba` …).
 * Anything after a `-` or `_` is ignored, so Linux kernels (`5.15.0-91-generic`) compare too.
 *
 * Expressions, as written in the Stratus VOS STCP port tables (a line break in a cell is written
 * ` / `; `and`, `/` and line breaks all separate items):
 *
 * | written                                   | means                                                   |
 * |-------------------------------------------|---------------------------------------------------------|
 * | `All`                                     | every release                                           |
 * | `15.1+`                                   | 15.1 and later                                          |
 * | `14.7`                                    | the 14.7 family (14.7, 14.7.2ba, ...)                   |
 * | `14.3 - 14.7`                             | 14.3 up to the end of the 14.7 family                   |
 * | `Not in 15.0` / `not in 15.0 or 15.1`     | excludes those families                                 |
 * | `All until 15.0` / `All until 15.x`       | releases before 15.0 / before the 15 family             |
 * | `back in 15.1.1+`                         | 15.1.1 and later again                                  |
 * | `Before 15.1.0ar`                         | releases before 15.1.0ar                                |
 * | `14.5.0at+ / 14.6.0aj+ / 14.7+`           | per line of releases: each `X+` holds until the next    |
 * |                                           | item's line starts (14.5.0at up to 14.6.0, 14.6.0aj up  |
 * |                                           | to 14.7, then 14.7 and later)                           |
 * | `Before / 14.5.0at / 14.6.0aj`            | the complement of `14.5.0at+ / 14.6.0aj+`               |
 * | `15.0+3`                                  | `15.0+` followed by a footnote marker (`3`) whose note   |
 * |                                           | is lost from the document                               |
 *
 * Also accepted for operating-system profiles: `Before 4.2`, `4.2+`.
 */

export interface Release {
  /** Numeric parts: `14.5.0at` → [14, 5, 0]. */
  nums: number[];
  /** Build letters, lower case: `at`. Empty when none. */
  build: string;
  text: string;
}

const RELEASE_RE = /^(\d+(?:\.\d+)*)([a-z]*)(?:[-_ ].*)?$/i;

/** Parses `14.5.0at`, `15.1`, `16`, `5.15.0-91-generic`; undefined when it is not a release. */
export function parseRelease(text: string): Release | undefined {
  const m = RELEASE_RE.exec(text.trim());
  if (m === null) return undefined;
  const nums = (m[1] ?? '').split('.').map((s) => Number.parseInt(s, 10));
  return { nums, build: (m[2] ?? '').toLowerCase(), text: text.trim() };
}

function compareNums(a: readonly number[], b: readonly number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

function compareBuild(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareParsed(a: Release, b: Release): number {
  return compareNums(a.nums, b.nums) || compareBuild(a.build, b.build);
}

/**
 * Orders two releases: negative when `a` is earlier, 0 when equal, positive when later.
 * Throws a RangeError when either is not a release.
 */
export function compareReleases(a: string, b: string): number {
  const pa = parseRelease(a);
  const pb = parseRelease(b);
  if (pa === undefined) throw new RangeError(`not a release: "${a}"`);
  if (pb === undefined) throw new RangeError(`not a release: "${b}"`);
  return compareParsed(pa, pb);
}

/** `release` belongs to the family `nums` (e.g. 14.7.2ba is in 14.7; 15 is in 15.0). */
function inFamily(r: Release, nums: readonly number[]): boolean {
  for (let i = 0; i < nums.length; i++) {
    if ((r.nums[i] ?? 0) !== nums[i]) return false;
  }
  return true;
}

/** One item of an expression. `atLeast` may be bounded above (exclusive) by the next item's line. */
type Term =
  | { kind: 'all' }
  | { kind: 'family'; nums: number[] }
  | { kind: 'atLeast'; from: Release; below?: number[] }
  | { kind: 'before'; release: Release }
  | { kind: 'range'; from: Release; toFamily: number[] }
  /** None of the (bounded) `atLeast` items holds: the `Before / A / B` form. */
  | { kind: 'noneOf'; items: Term[] };

export interface ReleaseExpr {
  text: string;
  include: Term[];
  exclude: Term[];
  /** How odd parts of the text were read (e.g. a lost footnote marker). */
  notes: string[];
}

export class ReleaseExprError extends Error {
  constructor(expr: string, detail: string) {
    super(`release expression "${expr}": ${detail}`);
    this.name = 'ReleaseExprError';
  }
}

const VERSION = String.raw`\d+(?:\.\d+)*[a-z]*`;
const AT_LEAST_RE = new RegExp(`^(${VERSION})\\+(\\d*)$`);
const FAMILY_RE = /^(\d+(?:\.\d+)*)(?:\.x)?$/;
const RANGE_RE = new RegExp(`^(${VERSION})\\s*[-–]\\s*(${VERSION})$`);

function familyOf(text: string, expr: string): number[] {
  const m = FAMILY_RE.exec(text);
  if (m === null) throw new ReleaseExprError(expr, `"${text}" is not a release line (like 15.0 or 15.x)`);
  return (m[1] ?? '').split('.').map((s) => Number.parseInt(s, 10));
}

function releaseOf(text: string, expr: string): Release {
  const r = parseRelease(text);
  if (r === undefined) throw new ReleaseExprError(expr, `"${text}" is not a release`);
  return r;
}

/** Bounds each `atLeast` in a run by the start of the next item's line (see the table above). */
function boundAtLeastRun(terms: Term[]): void {
  const runs = terms.filter((t): t is Extract<Term, { kind: 'atLeast' }> => t.kind === 'atLeast');
  runs.sort((a, b) => compareParsed(a.from, b.from));
  for (let i = 0; i + 1 < runs.length; i++) {
    const cur = runs[i];
    const next = runs[i + 1];
    if (cur !== undefined && next !== undefined) cur.below = next.from.nums;
  }
}

const cache = new Map<string, ReleaseExpr>();

/** Parses a release expression; throws ReleaseExprError naming the part it cannot read. */
export function parseReleaseExpr(text: string): ReleaseExpr {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const include: Term[] = [];
  const exclude: Term[] = [];
  const notes: string[] = [];
  const beforeItems: Term[] = [];
  let beforeMode = false;

  const normal = text.replace(/\r?\n/g, ' / ').replace(/\s+/g, ' ').trim().toLowerCase();
  if (normal.length === 0) throw new ReleaseExprError(text, 'is empty');
  const segments = normal
    .split(/\s*\/\s*|\s+and\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

  const addVersionItem = (seg: string, into: Term[]): boolean => {
    const atLeast = AT_LEAST_RE.exec(seg);
    if (atLeast !== null) {
      into.push({ kind: 'atLeast', from: releaseOf(atLeast[1] ?? '', text) });
      if ((atLeast[2] ?? '') !== '') {
        notes.push(`"${seg}" read as "${atLeast[1] ?? ''}+" followed by footnote marker ${atLeast[2] ?? ''}, whose note is not in the document`);
      }
      return true;
    }
    const range = RANGE_RE.exec(seg);
    if (range !== null) {
      into.push({ kind: 'range', from: releaseOf(range[1] ?? '', text), toFamily: familyOf(range[2] ?? '', text) });
      return true;
    }
    if (FAMILY_RE.test(seg)) {
      into.push({ kind: 'family', nums: familyOf(seg, text) });
      return true;
    }
    return false;
  };

  for (const seg of segments) {
    if (seg === 'all') {
      include.push({ kind: 'all' });
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^all until (.+)$/.exec(seg)) !== null) {
      include.push({ kind: 'before', release: { nums: familyOf(m[1] ?? '', text), build: '', text: m[1] ?? '' } });
      continue;
    }
    if ((m = /^back in (.+)$/.exec(seg)) !== null) {
      if (!addVersionItem(m[1] ?? '', include)) throw new ReleaseExprError(text, `cannot read "${seg}"`);
      continue;
    }
    if ((m = /^not in (.+)$/.exec(seg)) !== null) {
      for (const part of (m[1] ?? '').split(/\s*(?:,|\bor\b)\s*/).filter((p) => p.length > 0)) {
        exclude.push({ kind: 'family', nums: familyOf(part, text) });
      }
      continue;
    }
    if (seg === 'before') {
      beforeMode = true;
      continue;
    }
    if ((m = /^before (.+)$/.exec(seg)) !== null) {
      beforeMode = true;
      for (const part of (m[1] ?? '').split(/\s+/)) {
        beforeItems.push({ kind: 'atLeast', from: releaseOf(part, text) });
      }
      continue;
    }
    if (beforeMode) {
      beforeItems.push({ kind: 'atLeast', from: releaseOf(seg, text) });
      continue;
    }
    if (!addVersionItem(seg, include)) throw new ReleaseExprError(text, `cannot read "${seg}"`);
  }

  if (beforeItems.length > 0) {
    boundAtLeastRun(beforeItems);
    include.push({ kind: 'noneOf', items: beforeItems });
  } else if (beforeMode) {
    throw new ReleaseExprError(text, '"Before" names no release');
  }
  boundAtLeastRun(include);
  const expr: ReleaseExpr = { text, include, exclude, notes };
  cache.set(text, expr);
  return expr;
}

function termMatches(t: Term, r: Release): boolean {
  switch (t.kind) {
    case 'all':
      return true;
    case 'family':
      return inFamily(r, t.nums);
    case 'atLeast':
      return compareParsed(r, t.from) >= 0 && (t.below === undefined || compareNums(r.nums, t.below) < 0);
    case 'before':
      return compareParsed(r, t.release) < 0;
    case 'range':
      return compareParsed(r, t.from) >= 0 && (compareNums(r.nums, t.toFamily) <= 0 || inFamily(r, t.toFamily));
    case 'noneOf':
      return !t.items.some((i) => termMatches(i, r));
  }
}

/**
 * Whether `release` satisfies the expression. Throws ReleaseExprError for an expression it
 * cannot read (catalog files are checked on load, so built-in expressions always parse); a
 * `release` that is not a release never matches.
 */
export function releaseMatches(expr: string, release: string): boolean {
  const e = parseReleaseExpr(expr);
  const r = parseRelease(release);
  if (r === undefined) return false;
  const included = e.include.length === 0 || e.include.some((t) => termMatches(t, r));
  return included && !e.exclude.some((t) => termMatches(t, r));
}
