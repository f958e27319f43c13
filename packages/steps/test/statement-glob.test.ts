import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { subjectMatcher, subjectMatches } from '@countersign/core';
import { expandStatementGlob } from '../src/io/statement-glob.js';
import { failureOf, scratch } from './fixtures.js';

const { at, cleanup } = scratch('statement-glob');
afterAll(cleanup);

describe('matching file names', () => {
  const patterns = ['*.tgz.cose', '*', '**', 'a*', '*a', 'a*b', 'a**b', '*a*', 'a*b*c', '*.*', 'ab', '', 'a?c', '?*?', 'é*ü', '😀*', '*😀', 'a*😀?', 'x*x*x'];
  const names = ['a', 'ab', 'abc', 'aXbYc', 'acb', 'ba', 'bab', '', 'x.tgz.cose', 'x.tgz', '.tgz.cose', 'tgz.cose', 'éaü', 'é😀ü', '😀', '😀😀', 'a😀b', 'a😀😀', 'xx', 'xxx', 'xaxbx', 'a*b', 'a?c'];

  it('says what subjectMatches says for every pattern and name', () => {
    for (const pattern of patterns) {
      const matches = subjectMatcher(pattern);
      for (const name of names) expect([pattern, name, matches(name)]).toEqual([pattern, name, subjectMatches(pattern, name)]);
    }
  });
});

describe('expanding a statement glob', () => {
  const dist = at('dist');
  beforeAll(() => {
    mkdirSync(join(dist, 'sub.tgz.cose'), { recursive: true });
    for (const name of ['b.tgz', 'b.tgz.cose', 'a.tgz', 'a.tgz.cose', 'notes.txt']) writeFileSync(join(dist, name), name);
    symlinkSync(join(dist, 'a.tgz'), join(dist, 'linked.tgz'));
    writeFileSync(join(dist, 'linked.tgz.cose'), 'statement');
    if (process.platform === 'linux') execFileSync('mkfifo', [join(dist, 'piped.tgz')]);
  });

  it('finds the matching entries sorted, as paths joined as before, the directory normalized once', async () => {
    const expected = ['a.tgz.cose', 'b.tgz.cose', 'linked.tgz.cose', 'sub.tgz.cose'].map((name) => join(dist, name));
    expect(await expandStatementGlob(join(dist, '*.tgz.cose'))).toEqual(expected);
    expect(await expandStatementGlob(join(dist, 'sub.tgz.cose', '..', '.', '*.tgz.cose'))).toEqual(expected);
    expect(await expandStatementGlob(`${dist}//?.tgz.cose`)).toEqual(expected.slice(0, 2));
    const relativeDist = relative(process.cwd(), dist);
    expect(await expandStatementGlob(join(relativeDist, '*.tgz.cose'))).toEqual(expected.map((path) => join(relativeDist, basename(path))));
    expect(await failureOf(expandStatementGlob(join(dist, '*.zip')))).toMatchObject({ code: 'STEP_INPUT_NOT_FOUND' });
    expect(await failureOf(expandStatementGlob(join(at('missing'), '*.cose')))).toMatchObject({ code: 'STEP_INPUT_NOT_FOUND' });
    expect(await failureOf(expandStatementGlob(join(at('d*'), '*.cose')))).toMatchObject({ code: 'STEP_USAGE' });
  });
});
