/**
 * Record-level anomalies of the capture readers. Messages read
 * `capture.pcapng@0x1f40: truncated enhanced packet block (need 32 bytes, have 12)`.
 */
import { hexOffset } from '../../bytes/cursor.js';
import { isLinkTypeSupported } from '../decode/frame.js';
import type { ReaderContext } from './types.js';

export function at(ctx: ReaderContext, offset: number): string {
  return `${ctx.name}@${hexOffset(offset)}`;
}

/** A warning about one record; the caller has asked `wants` first when it happens per packet. */
export function warn(ctx: ReaderContext, code: string, offset: number, text: string): void {
  ctx.anomalies.add({ code, severity: 'warning', message: `${at(ctx, offset)}: ${text}`, file: ctx.name, offset });
}

/** True while examples of `code` are still kept; otherwise counts it and says no. */
export function wants(ctx: ReaderContext, code: string): boolean {
  if (ctx.anomalies.wantsExample(code)) return true;
  ctx.anomalies.addCount(code, 'warning');
  return false;
}

/** Damage the reader steps over (a skipped section): an error, the file is damaged. */
export function damage(ctx: ReaderContext, code: string, offset: number, text: string): void {
  ctx.stats.damaged = true;
  ctx.anomalies.add({ code, severity: 'error', message: `${at(ctx, offset)}: ${text}`, file: ctx.name, offset });
}

/** Damage that stops reading: an error anomaly, `fatal`, and where it stopped. */
export function fatal(ctx: ReaderContext, code: string, offset: number, text: string): void {
  ctx.stats.damaged = true;
  ctx.stats.fatal = true;
  ctx.stats.stoppedAt ??= offset;
  ctx.anomalies.add({ code, severity: 'error', message: `${at(ctx, offset)}: ${text}; reading stopped`, file: ctx.name, offset });
}

/** The end of the input fell inside a record: a warning; everything before it was delivered. */
export function truncatedRecord(ctx: ReaderContext, offset: number, what: string, need: number, have: number): void {
  ctx.stats.damaged = true;
  ctx.stats.stoppedAt ??= offset;
  ctx.anomalies.add({
    code: 'truncated-record',
    severity: 'warning',
    message: `${at(ctx, offset)}: truncated ${what} (need ${need} bytes, have ${have})`,
    file: ctx.name,
    offset,
  });
}

/** Once per interface whose link type is not decoded: its packets are still counted. */
export function checkLinkType(ctx: ReaderContext, interfaceId: number, linkType: number, offset: number): void {
  if (isLinkTypeSupported(linkType)) return;
  ctx.anomalies.add({
    code: 'unknown-link-type',
    severity: 'warning',
    message: `${at(ctx, offset)}: interface ${interfaceId} has link type ${linkType}, which is not decoded; its packets are counted but carry no flows`,
    file: ctx.name,
    offset,
  });
}

/** A bug in a decoder must not lose the rest of the capture: it becomes an anomaly. */
export function decoderFailed(ctx: ReaderContext, offset: number, e: unknown): void {
  ctx.anomalies.add({
    code: 'decoder-error',
    severity: 'error',
    message: `${at(ctx, offset)}: packet could not be decoded (${e instanceof Error ? e.message : String(e)})`,
    file: ctx.name,
    offset,
  });
}
