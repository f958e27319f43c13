/**
 * Bit arithmetic on tree sizes and indices up to 2^53 - 1. JavaScript's bitwise operators work on
 * 32 bits, so each helper splits a number into its high and low words instead.
 */

const WORD = 2 ** 32;

function pop32(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Number of binary digits: 0 for 0, 1 for 1, 3 for 5. */
export function bitLength(x: number): number {
  return x < WORD ? 32 - Math.clz32(x) : 64 - Math.clz32(Math.floor(x / WORD));
}

/** Number of one bits. */
export function popCount(x: number): number {
  return x < WORD ? pop32(x) : pop32(x % WORD) + pop32(Math.floor(x / WORD));
}

/** Number of trailing zero bits of a positive number. */
export function trailingZeros(x: number): number {
  if (x <= 0) throw new RangeError('trailingZeros needs a positive number');
  const low = x % WORD;
  if (low !== 0) return 31 - Math.clz32(low & -low);
  return 32 + trailingZeros(Math.floor(x / WORD));
}

export function xor(a: number, b: number): number {
  if (a < WORD && b < WORD) return (a ^ b) >>> 0;
  const high = Math.floor(a / WORD) ^ Math.floor(b / WORD);
  return high * WORD + (((a % WORD) ^ (b % WORD)) >>> 0);
}

/** x >> n, for any n. */
export function shiftRight(x: number, n: number): number {
  return n < 32 && x < WORD ? x >>> n : Math.floor(x / 2 ** n);
}

/** Whether bit n of x is set. */
export function bitSet(x: number, n: number): boolean {
  return shiftRight(x, n) % 2 === 1;
}

/**
 * The shape of the path from node `index` up to the root, where `last` is the index of the tree's
 * last node on the same level: for the first `inner` levels the path and the tree's right edge are
 * apart (a sibling on either side); above them they run together, and only the `border` levels where
 * the index has a one bit have a sibling (on the left). RFC 9162 section 2.1.3 in closed form.
 */
export function pathShape(index: number, last: number): { inner: number; border: number } {
  const inner = bitLength(xor(index, last));
  return { inner, border: popCount(shiftRight(index, inner)) };
}
