/**
 * Small tokenisers shared by the key=value and CSV log formats (FortiGate, SonicWall, NetScreen,
 * PAN-OS, filterlog, Check Point). Values are returned as strings; callers convert and check.
 */

/** Index of the closing quote (or the end of the line) after the last `readQuoted`. */
export let quotedEnd = 0;

/**
 * The value of a double-quoted field whose text starts at `start` (just after the opening quote),
 * up to the closing quote or the end of the line; a backslash escapes the next character. Sets
 * `quotedEnd` to the index of the closing quote.
 */
export function readQuoted(line: string, start: number): string {
  const n = line.length;
  let i = start;
  let v = '';
  let s = i;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 92 && i + 1 < n) {
      v += line.slice(s, i);
      s = i + 1;
      i += 2;
      continue;
    }
    if (c === 34) break;
    i++;
  }
  quotedEnd = i;
  return v + line.slice(s, i);
}

/**
 * `key=value key="quoted value" ...` from `from` to the end of `line` into `out` (cleared
 * first). Keys are taken as printed; a quoted value may contain spaces and `\"`. A token without
 * `=` is skipped.
 */
export function readKeyValues(line: string, from: number, out: Map<string, string>): Map<string, string> {
  out.clear();
  const n = line.length;
  let i = from;
  while (i < n) {
    while (i < n && line.charCodeAt(i) === 32) i++;
    const k0 = i;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (c === 61 || c === 32) break;
      i++;
    }
    if (i >= n || line.charCodeAt(i) !== 61) {
      // A bare word: skip it.
      while (i < n && line.charCodeAt(i) !== 32) i++;
      continue;
    }
    const key = line.slice(k0, i);
    i++;
    if (line.charCodeAt(i) === 34) {
      out.set(key, readQuoted(line, i + 1));
      i = quotedEnd + 1;
    } else {
      const v0 = i;
      while (i < n && line.charCodeAt(i) !== 32) i++;
      out.set(key, line.slice(v0, i));
    }
  }
  return out;
}

/**
 * Splits one CSV record (RFC 4180 quoting: `"a,b"`, `""` for a quote) starting at `from`.
 * Lines without quotes take the fast path.
 */
export function splitCsv(line: string, from = 0): string[] {
  const text = from === 0 ? line : line.slice(from);
  if (text.indexOf('"') < 0) return text.split(',');
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i <= n) {
    if (text.charCodeAt(i) === 34) {
      let v = '';
      i++;
      let s = i;
      while (i < n) {
        if (text.charCodeAt(i) === 34) {
          if (text.charCodeAt(i + 1) === 34) {
            v += text.slice(s, i + 1);
            i += 2;
            s = i;
            continue;
          }
          break;
        }
        i++;
      }
      v += text.slice(s, i);
      i++; // closing quote
      // Anything between the closing quote and the comma is kept (lenient).
      const comma = text.indexOf(',', i);
      if (comma < 0) {
        out.push(v + text.slice(i));
        break;
      }
      out.push(v + text.slice(i, comma));
      i = comma + 1;
      if (i === n) out.push('');
    } else {
      const comma = text.indexOf(',', i);
      if (comma < 0) {
        out.push(text.slice(i));
        break;
      }
      out.push(text.slice(i, comma));
      i = comma + 1;
      if (i === n) {
        out.push('');
        break;
      }
    }
  }
  return out;
}
