import { subjectMatches } from '../src/trust/subject-pattern.js';

describe('subject patterns', () => {
  it.each<[string, string, boolean]>([
    ['app.tar.gz', 'app.tar.gz', true],
    ['app.tar.gz', 'app.tar.gzx', false],
    ['*', '', true],
    ['*', 'anything', true],
    ['app-*', 'app-1.2.3.zip', true],
    ['app-*', 'lib-1.2.3.zip', false],
    ['*.zip', 'app.zip', true],
    ['*.zip', 'app.zip.sig', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['a*b*c', 'abcbc', true],
    ['v?.?', 'v1.2', true],
    ['v?.?', 'v10.2', false],
    ['*?', '', false],
    ['a**b', 'ab', true],
    ['pkg:npm/*@?.*', 'pkg:npm/left-pad@1.3.0', true],
    ['.+()', '.+()', true],
    ['.+()', 'a+()', false],
  ])('%s against %s is %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });

  it('agrees with a regular-expression reference on generated cases', () => {
    const alphabet = ['a', 'b', '*', '?'];
    const reference = (pattern: string, subject: string): boolean =>
      new RegExp(`^${pattern.replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's').test(subject);
    let checked = 0;
    for (let p = 0; p < 400; p++) {
      const pattern = Array.from({ length: p % 6 }, (_, i) => alphabet[(p * 7 + i * 3) % 4]).join('');
      for (let s = 0; s < 40; s++) {
        const subject = Array.from({ length: s % 7 }, (_, i) => 'ab'[(s * 5 + i) % 2]).join('');
        expect(subjectMatches(pattern, subject)).toBe(reference(pattern, subject));
        checked++;
      }
    }
    expect(checked).toBe(16000);
  });
});
