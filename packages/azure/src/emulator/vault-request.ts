/** One authorised data-plane request, already parsed: what the key and certificate handlers see. */
export interface VaultRequest {
  readonly method: string;
  /** Path segments after the leading slash; a trailing slash leaves an empty last segment ("latest version"). */
  readonly segments: readonly string[];
  readonly body: unknown;
  /** https://127.0.0.1:PORT: the origin every kid and id in an answer is built on. */
  readonly baseUrl: string;
  readonly apiVersion: string;
}

export interface VaultReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export const ok = (body: unknown): VaultReply => ({ status: 200, body });

export function objectBody(body: unknown): Record<string, unknown> {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}
