import { randomBytes, randomInt } from 'node:crypto';

/**
 * Id prefixes of the Responses wire. Responses, items and conversations carry 48 hex digits after
 * the prefix (`resp_67ccd3a9…`), call ids 24 alphanumerics (`call_…`), webhook events 32 hex digits.
 */
export type HexIdPrefix = 'resp' | 'msg' | 'fc' | 'fco' | 'fs' | 'ci' | 'conv';

export function newHexId(prefix: HexIdPrefix): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function newCallId(): string {
  let out = 'call_';
  for (let i = 0; i < 24; i += 1) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

export function newEventId(): string {
  return `evt_${randomBytes(16).toString('hex')}`;
}

/** Code interpreter containers: `cntr_` + 48 hex digits. */
export function newContainerId(): string {
  return `cntr_${randomBytes(24).toString('hex')}`;
}

/** Unix seconds, the unit of every timestamp on the wire. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
