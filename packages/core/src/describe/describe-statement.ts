import { CborSimple, CborTag, decode, type CborValue } from '../cbor/index.js';
import { SIGNATURE_ALGORITHMS } from '../cose/algorithms.js';
import { HeaderLabel, headerLabelName } from '../cose/headers.js';
import { decodeSign1, type Sign1 } from '../cose/sign1.js';
import { HASH_ALGORITHMS, digestBytes, SHA256 } from '../digest/hash-algorithms.js';
import { isCountersignError } from '../errors.js';
import { readReceiptList } from '../statement/signed-statement.js';
import { CwtClaim } from '../statement/cwt-claims.js';
import { parseCertificate } from '../x509/certificate.js';
import { toHex } from '../hex.js';

/** A JSON-ready picture of a COSE_Sign1 for people: labels by name, bytes as hex, dates as ISO text. */
export type Description = { [key: string]: DescriptionValue };
type DescriptionValue = string | number | boolean | null | DescriptionValue[] | Description;

const claimNames = new Map<number, string>(Object.entries(CwtClaim).map(([name, key]) => [key, name]));

function printable(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes).toString('utf8');
  return /^[\x20-\x7e]+$/.test(text) ? text : undefined;
}

function generic(value: CborValue): DescriptionValue {
  if (value instanceof Uint8Array) return value.length > 96 ? `${toHex(value.subarray(0, 48))}... (${value.length} bytes)` : toHex(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return value.map(generic);
  if (value instanceof Map) return Object.fromEntries([...value].map(([key, item]) => [String(generic(key)), generic(item)]));
  if (value instanceof CborTag) return { [`tag ${value.tag}`]: generic(value.value) };
  if (value instanceof CborSimple) return `simple(${value.value})`;
  return value;
}

function date(value: CborValue): DescriptionValue {
  const seconds = value instanceof CborTag ? value.value : value;
  if (typeof seconds !== 'number') return generic(value);
  const time = new Date(seconds * 1000);
  return Number.isNaN(time.getTime()) ? `${seconds} (out of range for a date)` : `${time.toISOString()} (${seconds})`;
}

function claims(value: CborValue): DescriptionValue {
  if (!(value instanceof Map)) return generic(value);
  const out: Description = {};
  for (const [key, item] of value) {
    const name = typeof key === 'number' ? claimNames.get(key) : undefined;
    out[name ?? String(generic(key))] = name === 'iat' || name === 'nbf' || name === 'exp' ? date(item) : generic(item);
  }
  return out;
}

function certificate(der: CborValue): DescriptionValue {
  if (!(der instanceof Uint8Array)) return generic(der);
  try {
    const cert = parseCertificate(der);
    const name = (parts: ReadonlyArray<{ type: string; value: string }>): string => parts.map((part) => `${part.type}=${part.value}`).join(', ');
    return {
      subject: name(cert.subject),
      issuer: name(cert.issuer),
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      sha256: toHex(cert.sha256Fingerprint),
    };
  } catch {
    return `unreadable certificate (${der.length} bytes)`;
  }
}

function headerValue(label: CborValue, value: CborValue): DescriptionValue {
  switch (label) {
    case HeaderLabel.alg: {
      const algorithm = SIGNATURE_ALGORITHMS.find((candidate) => candidate.id === value);
      return algorithm ? `${algorithm.name} (${String(value)})` : generic(value);
    }
    case HeaderLabel.payloadHashAlg: {
      const algorithm = HASH_ALGORITHMS.find((candidate) => candidate.coseId === value);
      return algorithm ? `${algorithm.name} (${String(value)})` : generic(value);
    }
    case HeaderLabel.kid:
      return value instanceof Uint8Array ? (printable(value) ?? toHex(value)) : generic(value);
    case HeaderLabel.cwtClaims:
      return claims(value);
    case HeaderLabel.x5chain:
      return (Array.isArray(value) ? value : [value]).map(certificate);
    case HeaderLabel.crit:
      return Array.isArray(value) ? value.map((item) => headerLabelName(item)) : generic(value);
    case HeaderLabel.receipts:
      return receipts(value);
    default:
      return generic(value);
  }
}

function header(map: Map<CborValue, CborValue>): Description {
  return Object.fromEntries([...map].map(([label, value]) => [headerLabelName(label), headerValue(label, value)]));
}

function receipts(value: CborValue): DescriptionValue {
  let list: Uint8Array[];
  try {
    list = readReceiptList(value);
  } catch (error) {
    return isCountersignError(error) ? error.message : generic(value);
  }
  return list.map((bytes) => {
    try {
      const receipt = decodeSign1(bytes);
      const out: Description = { protected: header(receipt.protectedHeader) };
      const proofs = receipt.unprotectedHeader.get(HeaderLabel.verifiableDataProofs);
      if (proofs instanceof Map) {
        out.proofs = Object.fromEntries(
          [...proofs].map(([key, items]) => [
            key === -1 ? 'inclusion' : key === -2 ? 'consistency' : String(key),
            Array.isArray(items) ? items.map((item) => (item instanceof Uint8Array ? generic(safeDecode(item)) : generic(item))) : generic(items),
          ]),
        );
      }
      return out;
    } catch (error) {
      return `unreadable receipt (${isCountersignError(error) ? error.message : 'not COSE'})`;
    }
  });
}

function safeDecode(bytes: Uint8Array): CborValue {
  try {
    return decode(bytes, { maxDepth: 8 });
  } catch {
    return bytes;
  }
}

function payload(message: Sign1): DescriptionValue {
  if (message.payload === null) return 'nil (detached)';
  const hashId = message.protectedHeader.get(HeaderLabel.payloadHashAlg);
  const algorithm = HASH_ALGORITHMS.find((candidate) => candidate.coseId === hashId);
  if (algorithm) return { digest: `${algorithm.name}:${toHex(message.payload)}` };
  return { size: message.payload.length, sha256: toHex(digestBytes(SHA256, message.payload)) };
}

/** Describes a COSE_Sign1 (a statement, a transparent statement or a receipt) without verifying it. */
export function describeStatement(message: Sign1): Description {
  return {
    tagged: message.tagged,
    protected: header(message.protectedHeader),
    unprotected: header(message.unprotectedHeader),
    payload: payload(message),
    signature: `${message.signature.length} bytes`,
  };
}
