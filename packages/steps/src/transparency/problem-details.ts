import { decode } from '@countersign/core';

/** RFC 9290 concise problem details: -1 title, -2 detail. JSON problem details are read too. */
export function problemText(body: Uint8Array, contentType: string | null): string | undefined {
  try {
    if (contentType?.includes('json')) {
      const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { title?: unknown; detail?: unknown };
      return joinProblem(parsed.title, parsed.detail);
    }
    const map = decode(body, { maxDepth: 4, maxItems: 256 });
    if (map instanceof Map) return joinProblem(map.get(-1) ?? map.get('title'), map.get(-2) ?? map.get('detail'));
  } catch {
    // Not a problem document: the caller falls back to the status line.
  }
  return undefined;
}

function joinProblem(title: unknown, detail: unknown): string | undefined {
  const parts = [title, detail].filter((part): part is string => typeof part === 'string' && part.length > 0);
  return parts.length ? parts.join(': ') : undefined;
}
