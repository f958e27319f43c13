import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

export type EmulatedKeyType = 'EC' | 'EC-HSM' | 'RSA' | 'RSA-HSM';
export const EMULATED_KEY_TYPES: readonly EmulatedKeyType[] = ['EC', 'EC-HSM', 'RSA', 'RSA-HSM'];
export const EMULATED_CURVES = ['P-256', 'P-384', 'P-521', 'P-256K'] as const;
export const EMULATED_RSA_SIZES = [2048, 3072, 4096] as const;
const NODE_CURVE: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1', 'P-256K': 'secp256k1' };

export interface KeySpec {
  readonly kty: EmulatedKeyType;
  readonly crv?: string;
  readonly keySize?: number;
  readonly keyOps?: readonly string[];
  readonly enabled?: boolean;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface KeyVersion {
  readonly name: string;
  readonly version: string;
  readonly kty: EmulatedKeyType;
  readonly crv?: string;
  readonly keySize?: number;
  readonly privateKey: KeyObject;
  keyOps: string[];
  enabled: boolean;
  notBefore?: number;
  expires?: number;
  readonly created: number;
  updated: number;
  tags: Record<string, string>;
  /** Set when the version backs a certificate: Key Vault marks such keys managed. */
  managed: boolean;
}

export interface RotationPolicy {
  lifetimeActions: unknown[];
  expiryTime?: string;
  created?: number;
  updated?: number;
}

export interface CertificateVersion {
  readonly name: string;
  readonly version: string;
  readonly der: Uint8Array;
  readonly policy: unknown;
  readonly notBefore: number;
  readonly expires: number;
  readonly created: number;
}

/** A certificate whose issuer is "Unknown": the key exists, the certificate waits for the user's CA and a merge. */
export interface PendingCertificate {
  readonly name: string;
  readonly requestId: string;
  readonly issuerName: string;
  readonly key: KeyVersion;
  readonly csr: Uint8Array;
  readonly policy: Record<string, unknown>;
  readonly validityMonths: number;
  status: 'inProgress' | 'completed';
  readonly created: number;
}

const DEFAULT_KEY_OPS: Record<'EC' | 'RSA', string[]> = {
  EC: ['sign', 'verify'],
  RSA: ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'],
};

export const now = (): number => Math.floor(Date.now() / 1000);
const newVersion = (): string => randomBytes(16).toString('hex');

export function generateKeyFor(spec: Pick<KeySpec, 'kty' | 'crv' | 'keySize'>): KeyObject {
  if (spec.kty.startsWith('EC')) return generateKeyPairSync('ec', { namedCurve: NODE_CURVE[spec.crv ?? 'P-256'] as string }).privateKey;
  return generateKeyPairSync('rsa', { modulusLength: spec.keySize ?? 2048 }).privateKey;
}

/**
 * The emulated vault's contents, in memory. Key Vault treats names case-insensitively and keeps every
 * version; "latest" is the most recently created version, whether enabled or not.
 */
export class VaultState {
  private readonly keys = new Map<string, KeyVersion[]>();
  private readonly rotationPolicies = new Map<string, RotationPolicy>();
  private readonly certificates = new Map<string, CertificateVersion[]>();
  private readonly pendingCertificates = new Map<string, PendingCertificate>();

  createKey(name: string, spec: KeySpec, options: { managed?: boolean } = {}): KeyVersion {
    const family = spec.kty.startsWith('EC') ? 'EC' : 'RSA';
    const time = now();
    const crv = family === 'EC' ? (spec.crv ?? 'P-256') : undefined;
    const keySize = family === 'RSA' ? (spec.keySize ?? 2048) : undefined;
    const key: KeyVersion = {
      name: this.keys.get(name.toLowerCase())?.[0]?.name ?? name,
      version: newVersion(),
      kty: spec.kty,
      ...(crv ? { crv } : {}),
      ...(keySize ? { keySize } : {}),
      privateKey: generateKeyFor({ kty: spec.kty, crv, keySize }),
      keyOps: [...(spec.keyOps ?? DEFAULT_KEY_OPS[family])],
      enabled: spec.enabled ?? true,
      created: time,
      updated: time,
      tags: { ...(spec.tags ?? {}) },
      managed: options.managed ?? false,
    };
    const versions = this.keys.get(name.toLowerCase()) ?? [];
    versions.push(key);
    this.keys.set(name.toLowerCase(), versions);
    return key;
  }

  /** A new version with the latest one's type, size and operations. */
  rotateKey(name: string): KeyVersion | undefined {
    const latest = this.latestKey(name);
    if (!latest) return undefined;
    return this.createKey(name, { kty: latest.kty, crv: latest.crv, keySize: latest.keySize, keyOps: latest.keyOps, tags: latest.tags });
  }

  latestKey(name: string): KeyVersion | undefined {
    return this.keys.get(name.toLowerCase())?.at(-1);
  }

  keyVersion(name: string, version: string | undefined): KeyVersion | undefined {
    if (!version) return this.latestKey(name);
    return this.keys.get(name.toLowerCase())?.find((key) => key.version === version.toLowerCase());
  }

  keyVersions(name: string): readonly KeyVersion[] | undefined {
    return this.keys.get(name.toLowerCase());
  }

  latestKeys(): KeyVersion[] {
    return [...this.keys.values()].map((versions) => versions.at(-1) as KeyVersion);
  }

  rotationPolicy(name: string): RotationPolicy | undefined {
    return this.rotationPolicies.get(name.toLowerCase());
  }

  setRotationPolicy(name: string, policy: RotationPolicy): RotationPolicy {
    const previous = this.rotationPolicies.get(name.toLowerCase());
    const time = now();
    const stored = { ...policy, created: previous?.created ?? time, updated: time };
    this.rotationPolicies.set(name.toLowerCase(), stored);
    return stored;
  }

  addCertificate(certificate: CertificateVersion): void {
    const versions = this.certificates.get(certificate.name.toLowerCase()) ?? [];
    versions.push(certificate);
    this.certificates.set(certificate.name.toLowerCase(), versions);
  }

  certificateVersion(name: string, version: string | undefined): CertificateVersion | undefined {
    const versions = this.certificates.get(name.toLowerCase());
    if (!version) return versions?.at(-1);
    return versions?.find((certificate) => certificate.version === version.toLowerCase());
  }

  pendingCertificate(name: string): PendingCertificate | undefined {
    return this.pendingCertificates.get(name.toLowerCase());
  }

  setPendingCertificate(pending: PendingCertificate): void {
    this.pendingCertificates.set(pending.name.toLowerCase(), pending);
  }

  publicKeyOf(key: KeyVersion): KeyObject {
    return createPublicKey(key.privateKey);
  }
}
