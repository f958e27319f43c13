// Child process for the storage tests; runs the BUILT package, the way the server will.
//   node crash-child.mjs open <dir>            prints "opened", or "<code> <message>" when refused
//   node crash-child.mjs append <dir> <first>  appends statements first, first+1, ... forever (with
//                                              some repeats) and prints "<index> <number> <treeSize>"
//                                              for each acknowledged one, until killed
//   node crash-child.mjs overlap <dir> <first>  the same, but its sixth seal waits until the batch
//                                              behind it is on disk, prints "overlap <treeSize>" and
//                                              never returns
import { createHash } from 'node:crypto';
import { statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const [mode, dir, first] = process.argv.slice(2);
let LedgerStore;
try {
  ({ LedgerStore } = await import('../dist/index.js'));
} catch (error) {
  console.error(`cannot load packages/ledger/dist/index.js (run npm run build): ${error.message}`);
  process.exit(3);
}
if (typeof LedgerStore !== 'function') {
  console.error('packages/ledger/dist/index.js does not export LedgerStore (run npm run build)');
  process.exit(3);
}

// Must stay identical to statementFor in storage-crash.test.ts.
function statementFor(number) {
  const bytes = Buffer.alloc(24 + ((number * 7919) % 2000), number % 251);
  bytes.write(`crash statement ${number};`);
  return bytes;
}
const entryOf = (statement) => createHash('sha256').update(statement).digest();
const seal = async (treeSize) => Buffer.from(`seal of ${treeSize}`);

if (mode === 'open') {
  try {
    const store = await LedgerStore.open(dir, { seal });
    await store.close();
    console.log('opened');
  } catch (error) {
    console.log(`${error.code ?? 'UNTYPED'} ${error.message}`);
  }
} else if (mode === 'append' || mode === 'overlap') {
  let seals = 0;
  /** Holds one seal until the next batch's data is written behind it (or 5 s pass), so a kill lands there. */
  const holdingSeal = async (treeSize) => {
    if (++seals !== 6) return seal(treeSize);
    const deadline = Date.now() + 5_000;
    while (statSync(join(dir, 'entries.dat')).size <= treeSize * 32 && Date.now() < deadline) await new Promise((resume) => setTimeout(resume, 2));
    writeSync(1, `overlap ${treeSize}\n`);
    return new Promise(() => undefined);
  };
  const store = await LedgerStore.open(dir, { seal: mode === 'overlap' ? holdingSeal : seal, maxBatchDelayMs: 1 });
  // Synchronous writes: a line printed is a line the parent reads, even if we are killed right after.
  const acknowledge = (number) => (result) => writeSync(1, `${result.index} ${number} ${result.treeSize}\n`);
  let next = Number(first);
  const worker = async () => {
    for (;;) {
      // Every tenth append repeats an earlier statement of this run: deduplicated, same index.
      const number = next % 10 === 9 ? next - 1 - ((next * 13) % Math.max(1, next - Number(first))) : next;
      next++;
      const statement = statementFor(number);
      acknowledge(number)(await store.append(statement, entryOf(statement)));
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
