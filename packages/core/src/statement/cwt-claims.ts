import { CborTag, type CborMap } from '../cbor/index.js';
import { StatementError } from './errors.js';

/** CWT claim keys (RFC 8392) that signed statements carry in protected header 15. */
export const CwtClaim = Object.freeze({ iss: 1, sub: 2, aud: 3, exp: 4, nbf: 5, iat: 6, cti: 7 } as const);

export interface CwtClaims {
  readonly iss: string;
  readonly sub: string;
  /** Seconds since the epoch, when the statement says when it was issued. */
  readonly iat?: number;
  readonly nbf?: number;
  readonly exp?: number;
  /** Every claim as received, text-keyed extensions included. */
  readonly all: CborMap;
}

/** A NumericDate, accepted bare or wrapped in tag 1 (epoch-based date time) since both are seen in the wild. */
function numericDate(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const inner = value instanceof CborTag && value.tag === 1 ? value.value : value;
  if (typeof inner === 'number' && Number.isFinite(inner)) return inner;
  if (typeof inner === 'bigint') return Number(inner);
  throw new StatementError('STATEMENT_MALFORMED', `CWT claim ${name} is not a NumericDate`);
}

function text(value: unknown, name: string): string {
  if (value === undefined) throw new StatementError('STATEMENT_MISSING_CLAIM', `CWT claims have no ${name}`);
  if (typeof value !== 'string' || value.length === 0) throw new StatementError('STATEMENT_MALFORMED', `CWT claim ${name} must be non-empty text`);
  return value;
}

export function readCwtClaims(value: unknown): CwtClaims {
  if (value === undefined) throw new StatementError('STATEMENT_MISSING_CLAIM', 'protected header has no CWT claims (label 15)');
  if (!(value instanceof Map)) throw new StatementError('STATEMENT_MALFORMED', 'CWT claims (label 15) must be a map');
  return {
    iss: text(value.get(CwtClaim.iss), 'iss'),
    sub: text(value.get(CwtClaim.sub), 'sub'),
    iat: numericDate(value.get(CwtClaim.iat), 'iat'),
    nbf: numericDate(value.get(CwtClaim.nbf), 'nbf'),
    exp: numericDate(value.get(CwtClaim.exp), 'exp'),
    all: value,
  };
}

export function cwtClaimsMap(claims: { iss: string; sub: string; iat?: number }): Map<number, string | number> {
  const map = new Map<number, string | number>();
  map.set(CwtClaim.iss, claims.iss);
  map.set(CwtClaim.sub, claims.sub);
  if (claims.iat !== undefined) map.set(CwtClaim.iat, claims.iat);
  return map;
}
