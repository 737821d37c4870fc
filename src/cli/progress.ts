/**
 * A progress line on stderr while inputs are read: the input's name, bytes read of its size and
 * the percentage. Only when stderr is a terminal (never in pipes, files or CI logs) and not
 * `--quiet`; redrawn in place with a carriage return, at most a few times a second (the
 * pipeline throttles), and erased when reading ends so the report starts on a clean line.
 */
import type { Io } from './io.js';
import { terminalSafe } from '../report/escape.js';
import { humanBytes } from '../report/format.js';

export interface Progress {
  /** Pass as the pipeline's `onProgress`; undefined when progress is off. */
  onProgress: ((bytesRead: number, totalBytes: number | undefined, inputName: string) => void) | undefined;
  /** Erases the progress line. */
  done(): void;
}

const BAR_WIDTH = 24;
const ERASE_LINE = '\r\u001b[K';

export function createProgress(io: Io, enabled: boolean): Progress {
  if (!enabled || io.stderr.isTTY !== true) return { onProgress: undefined, done() {} };
  let drawn = false;
  return {
    onProgress(bytesRead: number, totalBytes: number | undefined, inputName: string): void {
      const cols = Math.max(40, io.stderr.columns ?? 80);
      let line: string;
      if (totalBytes !== undefined && totalBytes > 0) {
        const frac = Math.min(1, bytesRead / totalBytes);
        const filled = Math.round(frac * BAR_WIDTH);
        line = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${humanBytes(bytesRead)} of ${humanBytes(totalBytes)} `;
      } else {
        line = `${humanBytes(bytesRead)} read `;
      }
      const room = cols - line.length - 1;
      const name = terminalSafe(inputName);
      line += room > 4 ? (name.length > room ? `…${name.slice(name.length - room + 1)}` : name) : '';
      io.stderr.write(`${ERASE_LINE}${line}`);
      drawn = true;
    },
    done(): void {
      if (drawn) io.stderr.write(ERASE_LINE);
      drawn = false;
    },
  };
}
