/** Whether `text` at `offset` matches `segment`, where `?` stands for any one character. */
function segmentAt(text: readonly string[], offset: number, segment: readonly string[]): boolean {
  if (offset + segment.length > text.length) return false;
  return segment.every((char, i) => char === '?' || char === text[offset + i]);
}

/** The first offset at or after `from` where `segment` matches, or -1. */
function findSegment(text: readonly string[], from: number, segment: readonly string[]): number {
  for (let offset = from; offset + segment.length <= text.length; offset++) {
    if (segmentAt(text, offset, segment)) return offset;
  }
  return -1;
}

/**
 * Whether `subject` matches a glob pattern where `*` is any run of characters and `?` any one
 * character. Subjects come from untrusted statements, so this matches segment by segment (the first
 * anchored at the start, the last at the end, the rest leftmost in order) instead of building a
 * backtracking regular expression.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const text = [...subject];
  const segments = pattern.split('*').map((segment) => [...segment]);
  const first = segments[0] as string[];
  if (segments.length === 1) return text.length === first.length && segmentAt(text, 0, first);
  const last = segments[segments.length - 1] as string[];
  if (!segmentAt(text, 0, first)) return false;
  let offset = first.length;
  for (const middle of segments.slice(1, -1)) {
    const found = findSegment(text, offset, middle);
    if (found < 0) return false;
    offset = found + middle.length;
  }
  return text.length - last.length >= offset && segmentAt(text, text.length - last.length, last);
}

// Surrogates make a character two code units, where `?` stands for one character.
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * subjectMatches for one pattern and many subjects (a directory of release files). A pattern with `*`
 * alone and no surrogate is matched on the text as it is (its literal parts line up with whole
 * characters wherever they are found), which spares splitting every subject into characters;
 * anything else goes to subjectMatches.
 */
export function subjectMatcher(pattern: string): (subject: string) => boolean {
  if (pattern.includes('?') || SURROGATE.test(pattern)) return (subject) => subjectMatches(pattern, subject);
  const segments = pattern.split('*');
  const first = segments[0] as string;
  if (segments.length === 1) return (subject) => subject === first;
  const last = segments[segments.length - 1] as string;
  const middles = segments.slice(1, -1);
  return (subject) => {
    if (!subject.startsWith(first)) return false;
    let offset = first.length;
    for (const middle of middles) {
      const found = subject.indexOf(middle, offset);
      if (found < 0) return false;
      offset = found + middle.length;
    }
    return subject.length - last.length >= offset && subject.endsWith(last);
  };
}
