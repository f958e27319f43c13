/** COSE header labels (IANA "COSE Header Parameters") that countersign reads or writes. */
export const HeaderLabel = Object.freeze({
  alg: 1,
  crit: 2,
  contentType: 3,
  kid: 4,
  cwtClaims: 15,
  typ: 16,
  x5chain: 33,
  x5t: 34,
  payloadHashAlg: 258,
  payloadPreimageContentType: 259,
  payloadLocation: 260,
  receipts: 394,
  verifiableDataStructure: 395,
  verifiableDataProofs: 396,
} as const);

const labelNames = new Map<number, string>(Object.entries(HeaderLabel).map(([name, label]) => [label, name]));

/** A header label for people: its registered name when countersign knows it, else the number itself. */
export function headerLabelName(label: unknown): string {
  return (typeof label === 'number' && labelNames.get(label)) || String(label);
}

/** Labels whose meaning the COSE layer itself honours, so `crit` may name them. */
export const COSE_UNDERSTOOD_LABELS: ReadonlySet<number> = new Set([
  HeaderLabel.alg,
  HeaderLabel.crit,
  HeaderLabel.contentType,
  HeaderLabel.kid,
  HeaderLabel.cwtClaims,
  HeaderLabel.typ,
  HeaderLabel.x5chain,
  HeaderLabel.x5t,
]);
