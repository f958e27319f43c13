import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared/vectors beside the repository: public test vectors that this project never copies. */
export const VECTORS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/vectors');

export const haveVectors = existsSync(VECTORS_DIR);

/** `describe` when the shared vectors are present; otherwise a skipped block that says why. */
export function describeWithVectors(name: string, body: () => void): void {
  if (haveVectors) {
    describe(name, body);
  } else {
    describe.skip(`${name} (skipped: ${VECTORS_DIR} is absent)`, body);
  }
}

export function vectorPath(...parts: string[]): string {
  return join(VECTORS_DIR, ...parts);
}

export function readVector(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(vectorPath(...parts)));
}

export function listVectors(...parts: string[]): string[] {
  return haveVectors ? readdirSync(vectorPath(...parts)).sort() : [];
}
