import { randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export type IdPrefix = 'asst' | 'thread' | 'msg' | 'run' | 'step' | 'call';

function alphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/** Ids shaped like the real API's: `run_` + 24 alphanumerics. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${alphanumeric(24)}`;
}
