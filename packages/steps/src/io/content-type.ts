import { basename } from 'node:path';

// Longest suffixes first so that "x.spdx.json" is SPDX rather than plain JSON.
const BY_SUFFIX: ReadonlyArray<[string, string]> = [
  ['.spdx.json', 'application/spdx+json'],
  ['.cdx.json', 'application/vnd.cyclonedx+json'],
  ['.intoto.jsonl', 'application/vnd.in-toto+json'],
  ['.tar.gz', 'application/gzip'],
  ['.tgz', 'application/gzip'],
  ['.gz', 'application/gzip'],
  ['.tar', 'application/x-tar'],
  ['.zip', 'application/zip'],
  ['.whl', 'application/zip'],
  ['.nupkg', 'application/zip'],
  ['.vsix', 'application/zip'],
  ['.jar', 'application/java-archive'],
  ['.exe', 'application/vnd.microsoft.portable-executable'],
  ['.dll', 'application/vnd.microsoft.portable-executable'],
  ['.msi', 'application/x-msi'],
  ['.deb', 'application/vnd.debian.binary-package'],
  ['.rpm', 'application/x-rpm'],
  ['.dmg', 'application/x-apple-diskimage'],
  ['.json', 'application/json'],
  ['.xml', 'application/xml'],
  ['.txt', 'text/plain'],
  ['.md', 'text/markdown'],
  ['.html', 'text/html'],
  ['.js', 'text/javascript'],
  ['.wasm', 'application/wasm'],
  ['.pdf', 'application/pdf'],
];

/** A media type for an artifact from its file name; application/octet-stream when unknown. */
export function guessContentType(path: string): string {
  const name = basename(path).toLowerCase();
  return BY_SUFFIX.find(([suffix]) => name.endsWith(suffix))?.[1] ?? 'application/octet-stream';
}
