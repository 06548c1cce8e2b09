import { randomBytes, randomInt } from 'node:crypto';

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

/** File ids use a dash, as OpenAI's do (`file-…`); the simulator invents them for generated images and citations. */
export function newFileId(): string {
  return `file-${alphanumeric(22)}`;
}

export function newRequestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

/** Unix seconds, the unit of every timestamp on the wire. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
