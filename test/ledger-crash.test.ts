// kill -9 of `countersign serve` in the middle of concurrent registrations, three times over, on one
// ledger directory: whatever got a 201 survives with a receipt that still verifies, the tree after each
// restart extends every tree head signed before the crashes, and a registration repeated later gets
// the entry it got the first time.
import { join } from 'node:path';
import { decodeSign1, receiptsOf, statementEntry, verifyConsistencyReceipt, verifyInclusionReceipt, verifyTreeHead, type VerifiedTreeHead } from '@countersign/core';
import { countersign, scratchDir } from './cli-harness.js';
import {
  getBytes,
  makeStatements,
  mapConcurrently,
  postStatement,
  registerUntilKilled,
  serviceKey,
  type Acknowledged,
} from './ledger-crash-harness.js';
import { startServer, type RunningServer } from './serve-harness.js';

const STATEMENTS = 300;
const CONCURRENCY = 16;
/** Receipts to collect before each kill -9: different counts, so the kills land at different moments. */
const KILL_AFTER = [100, 45, 70];

const { dir, cleanup } = scratchDir('ledger-crash');
const data = join(dir, 'ledger'); // its service key is created beside it, in `dir`, on the first start
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

let statements: Uint8Array[] = [];
let server: RunningServer | undefined;
let key: Awaited<ReturnType<typeof serviceKey>>;
/** Everything acknowledged so far, over all rounds, and the statements sent that never were. */
const acknowledged: Acknowledged[] = [];
const unacknowledged: number[] = [];
/** The newest tree head fetched before each crash. */
const headsBeforeCrashes: VerifiedTreeHead[] = [];
let sent = 0;
let failedInFlight = 0;

const start = (): Promise<RunningServer> => startServer(['--data', data, '--registration', 'sync']);

async function currentHead(url: string): Promise<VerifiedTreeHead> {
  const head = await getBytes(`${url}/log/tree-head`);
  expect(head.status).toBe(200);
  return verifyTreeHead(head.body, key.resolveKey);
}

beforeAll(async () => {
  statements = await makeStatements(STATEMENTS);
  server = await start();
  key = await serviceKey(server.url);
});

afterAll(async () => {
  await server?.stop('SIGKILL');
  cleanup();
});

describe('countersign serve killed with SIGKILL during concurrent registrations', () => {
  it.each(KILL_AFTER)('keeps every acknowledged registration across a kill -9 after %i more receipts', async (killAfter) => {
    const round = await registerUntilKilled({ server: server!, statements, first: sent, killAfter, concurrency: CONCURRENCY, resolveKey: key.resolveKey, deadlineMs: 15_000 });
    server = undefined;
    expect(round.unexpected).toEqual([]);
    expect(round.acknowledged.length).toBeGreaterThanOrEqual(killAfter);
    expect(round.inFlightAtKill).toBeGreaterThan(0); // the kill did land in the middle of registrations
    expect(round.heads.length).toBeGreaterThan(0);
    sent = round.next;
    failedInFlight += round.unacknowledged.length;
    acknowledged.push(...round.acknowledged);
    unacknowledged.push(...round.unacknowledged);
    const lastHead = round.heads.at(-1)!;
    headsBeforeCrashes.push(lastHead);
    for (const ack of round.acknowledged) {
      expect(verifyInclusionReceipt(ack.receipt, ack.statement, key.resolveKey).leafIndex).toBe(Number(ack.entryId));
    }

    server = await start();
    const { url } = server;
    expect((await serviceKey(url)).jwks).toEqual(key.jwks); // same service key: old receipts and heads stay checkable

    // (a) every acknowledged statement is still served: its receipt verifies (it is the very receipt
    // acknowledged, cut from the same batch's signed head), and the stored statement is the one sent.
    const problems = (
      await mapConcurrently(acknowledged, CONCURRENCY, async (ack): Promise<string[]> => {
        const found: string[] = [];
        const receipt = await getBytes(`${url}/entries/${ack.entryId}`);
        if (receipt.status !== 200) return [`entry ${ack.entryId}: GET answered ${receipt.status}`];
        try {
          const verified = verifyInclusionReceipt(receipt.body, ack.statement, key.resolveKey);
          if (verified.leafIndex !== Number(ack.entryId)) found.push(`entry ${ack.entryId}: receipt for leaf ${verified.leafIndex}`);
        } catch (error) {
          found.push(`entry ${ack.entryId}: receipt does not verify: ${(error as Error).message}`);
        }
        if (!same(receipt.body, ack.receipt)) found.push(`entry ${ack.entryId}: receipt differs from the one acknowledged`);
        const stored = await getBytes(`${url}/entries/${ack.entryId}/statement`);
        if (stored.status !== 200) return [...found, `entry ${ack.entryId}: GET statement answered ${stored.status}`];
        const original = decodeSign1(ack.statement);
        const served = decodeSign1(stored.body);
        if (!same(served.protectedBytes, original.protectedBytes) || !same(served.payload!, original.payload!) || !same(served.signature, original.signature)) {
          found.push(`entry ${ack.entryId}: the stored statement is not the one registered`);
        }
        const embedded = receiptsOf(stored.body);
        if (embedded.length !== 1 || verifyInclusionReceipt(embedded[0]!, stored.body, key.resolveKey).leafIndex !== Number(ack.entryId)) {
          found.push(`entry ${ack.entryId}: the transparent statement's receipt does not verify`);
        }
        return found;
      })
    ).flat();
    expect(problems).toEqual([]);

    // (b) the new tree head verifies and extends every head signed before each crash so far.
    const head = await currentHead(url);
    expect(head.treeSize).toBeGreaterThanOrEqual(Math.max(...acknowledged.map((ack) => Number(ack.entryId))) + 1);
    for (const old of headsBeforeCrashes) {
      expect(head.treeSize).toBeGreaterThanOrEqual(old.treeSize);
      const proof = await getBytes(`${url}/log/consistency?from=${old.treeSize}`);
      expect(proof.status).toBe(200);
      const consistent = verifyConsistencyReceipt(proof.body, old.root, key.resolveKey);
      expect({ size1: consistent.size1, size2: consistent.size2, root2: hex(consistent.root2) }).toEqual({ size1: old.treeSize, size2: head.treeSize, root2: hex(head.root) });
    }
    const cli = countersign(['ledger', 'consistency', '--service', url, '--from', String(lastHead.treeSize), '--root', hex(lastHead.root)]);
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(`consistent: tree of ${head.treeSize} extends tree of ${lastHead.treeSize}`);

    // (c) registering the acknowledged statements again gives the same entries and appends nothing.
    const again = await mapConcurrently(acknowledged, CONCURRENCY, async (ack) => {
      const answer = await postStatement(url, ack.statement);
      const leaf = answer.status === 201 ? verifyInclusionReceipt(answer.body, ack.statement, key.resolveKey).leafIndex : -1;
      return { status: answer.status, location: answer.location, leaf };
    });
    expect(again).toEqual(acknowledged.map((ack) => ({ status: 201, location: `/entries/${ack.entryId}`, leaf: Number(ack.entryId) })));
    expect((await currentHead(url)).treeSize).toBe(head.treeSize);
  });

  it('after the crashes, holds each statement sent at most once and nothing else; retries get the entries already committed', async () => {
    const { url } = server!;
    const entryToNumber = new Map(statements.map((statement, number) => [hex(statementEntry(statement)), number]));
    const before = (await currentHead(url)).treeSize;
    const logged = await mapConcurrently(
      Array.from({ length: before }, (_, index) => index),
      CONCURRENCY,
      async (index) => {
        const stored = await getBytes(`${url}/entries/${index}/statement`);
        expect(stored.status).toBe(200);
        return entryToNumber.get(hex(statementEntry(stored.body)));
      },
    );
    expect(logged.every((number) => number !== undefined && number < sent)).toBe(true); // only statements that were sent
    expect(new Set(logged).size).toBe(before); // each once
    for (const ack of acknowledged) expect(logged[Number(ack.entryId)]).toBe(ack.number);
    const indexOf = new Map(logged.map((number, index) => [number as number, index]));

    // A client retries what was never acknowledged and sends the rest: an entry already committed comes back as it is.
    const retried = [...unacknowledged, ...Array.from({ length: STATEMENTS - sent }, (_, i) => sent + i)];
    const answers = await mapConcurrently(retried, CONCURRENCY, async (number) => ({ number, ...(await postStatement(url, statements[number]!)) }));
    expect(answers.filter((answer) => answer.status !== 201)).toEqual([]);
    for (const { number, location } of answers) {
      const index = Number(/^\/entries\/(\d+)$/.exec(location ?? '')?.[1]);
      if (indexOf.has(number)) expect(index).toBe(indexOf.get(number));
      else expect(index).toBeGreaterThanOrEqual(before);
    }
    expect((await currentHead(url)).treeSize).toBe(STATEMENTS);
    console.log(
      `ledger-crash: ${KILL_AFTER.length} kills; ${acknowledged.length} registrations acknowledged before them, ${failedInFlight} in flight lost their connection ` +
        `(${before - acknowledged.length} of those had committed); tree head sizes before the kills ${headsBeforeCrashes.map((head) => head.treeSize).join(', ')}`,
    );
    expect(await server!.stop()).toBe(0);
    server = undefined;
  });
});
