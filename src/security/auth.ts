import { createHash, timingSafeEqual } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { createLocalJWKSet, createRemoteJWKSet, importSPKI, jwtVerify, type JWTVerifyGetKey, type KeyObject } from 'jose';
import type { AuthConfig } from '../config.js';

/** Who is calling: the key's or token's subject. */
export interface Identity {
  subject: string;
  /** Sees every thread, including those created outside the gateway. */
  admin: boolean;
  method: 'none' | 'api-key' | 'jwt';
  /** When the credential stops being valid (ms since the epoch): a WebSocket is closed then. */
  expiresAt?: number | undefined;
}

/** The caller when GATEWAY_AUTH=none: one tenant, who sees everything. */
export const ANONYMOUS: Identity = Object.freeze({ subject: 'anonymous', admin: true, method: 'none' });

/** Where an identity should exist but does not (a path that skipped authentication): sees nothing. Fails closed. */
export const NOBODY: Identity = Object.freeze({ subject: '', admin: false, method: 'none' });

export interface Authenticator {
  readonly mode: AuthConfig['mode'];
  /**
   * The identity behind an `Authorization` value (`Bearer <key or token>`). Throws UNAUTHENTICATED with a message
   * that says what is wrong in general terms only (never which key or claim came close).
   */
  authenticate(authorization: string | null | undefined): Promise<Identity>;
}

export function unauthenticated(message = 'Authentication required: send Authorization: Bearer <key or token>.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

function bearer(authorization: string | null | undefined): string {
  const match = /^Bearer[ ]+([\x21-\x7e]+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) throw unauthenticated();
  return match[1];
}

export function createAuthenticator(config: AuthConfig): Authenticator {
  switch (config.mode) {
    case 'none':
      return { mode: 'none', authenticate: async () => ANONYMOUS };
    case 'api-key': {
      const admins = new Set(config.adminSubjects);
      const keys = config.keys;
      return {
        mode: 'api-key',
        async authenticate(authorization) {
          const given = createHash('sha256').update(bearer(authorization)).digest();
          // Every stored hash is compared, so the time taken says nothing about which one (if any) matched.
          let subject: string | undefined;
          for (const entry of keys) if (timingSafeEqual(entry.keyHash, given) && subject === undefined) subject = entry.subject;
          if (subject === undefined) throw unauthenticated('Invalid API key.');
          return { subject, admin: admins.has(subject), method: 'api-key' };
        },
      };
    }
    case 'jwt': {
      const admins = new Set(config.adminSubjects);
      const { jwksUrl, publicKey } = config;
      let key: Promise<KeyObject | JWTVerifyGetKey | Uint8Array>;
      if (jwksUrl !== undefined) key = Promise.resolve(createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 }));
      else if (publicKey?.trim().startsWith('{')) key = Promise.resolve(createLocalJWKSet(JSON.parse(publicKey) as Parameters<typeof createLocalJWKSet>[0]));
      else key = importSPKI(publicKey ?? '', config.algorithms[0] ?? 'RS256', { extractable: false });
      // A bad key is a start-up problem; surface it once here rather than as an unhandled rejection.
      key.catch(() => undefined);
      return {
        mode: 'jwt',
        async authenticate(authorization) {
          const token = bearer(authorization);
          let payload;
          try {
            const resolved = await key;
            const options = { algorithms: [...config.algorithms], issuer: config.issuer, audience: config.audience, requiredClaims: ['exp'] };
            // Two calls for jose's two overloads (a key, or a key set).
            payload = typeof resolved === 'function' ? (await jwtVerify(token, resolved, options)).payload : (await jwtVerify(token, resolved, options)).payload;
          } catch {
            throw unauthenticated('Invalid or expired token.');
          }
          const subject = payload[config.subjectClaim];
          if (typeof subject !== 'string' || subject === '' || subject.length > 256) throw unauthenticated('Invalid or expired token.');
          return { subject, admin: admins.has(subject), method: 'jwt', expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined };
        },
      };
    }
  }
}
