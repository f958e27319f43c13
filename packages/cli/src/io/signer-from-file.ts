import { LocalSigner, parsePemCertificates, type Signer } from '@countersign/core';
import { readInput, readTextInput } from '@countersign/steps';

/** A local signer from a key file (PEM or JWK), with an optional algorithm override. */
export async function localSignerFromFile(path: string, algorithm?: string): Promise<Signer> {
  return LocalSigner.from(await readInput(path, 'key', 1024 * 1024), algorithm);
}

export async function readCertificateChain(path: string): Promise<Uint8Array[]> {
  return parsePemCertificates(await readTextInput(path, 'certificate chain'));
}
