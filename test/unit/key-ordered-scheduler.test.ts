import { describe, expect, it } from 'vitest';
import { runKeyOrdered, type KeyOrderedOutcome } from '../../lib/runtime/dispatch/key-ordered-scheduler.js';
import { deferred, nextTurn } from '../support/deferred.js';
import { createGate, drive, startOrder, type ReleasePolicy } from '../support/gate.js';
import { laneOrderViolations, startsAfterFirstFailure } from '../support/lane-order.js';

/** Runs one task per letter of `lanes` (the letter is its lane) through a gate. */
function gatedRun(lanes: string, concurrency: number, policy: ReleasePolicy, failing: number[]) {
  const gate = createGate();
  const result = runKeyOrdered({
    count: lanes.length,
    concurrency,
    keyOf: (i) => lanes[i]!,
    run: (i) => gate.enter(i).then(() => true),
    mayStart: () => true,
  });
  return { gate, outcome: drive(gate, result, policy, new Set(failing)) };
}

describe('runKeyOrdered', () => {
  it.each<[string, string, number, ReleasePolicy, number[], KeyOrderedOutcome, number[]]>([
    ['all succeed', 'ABCABCABC', 3, 'first-started', [], { firstUnfinished: undefined, succeeded: 9 }, [0, 1, 2, 3, 4, 5, 6, 7, 8]],
    ['failure in the first key', 'ABCABCABC', 3, 'first-started', [0], { firstUnfinished: 0, succeeded: 2 }, [0, 1, 2]],
    ['failure in a middle key', 'ABCABCABC', 3, 'first-started', [4], { firstUnfinished: 4, succeeded: 6 }, [0, 1, 2, 3, 4, 5, 6]],
    ['failure in the last key', 'ABCABCABC', 3, 'first-started', [8], { firstUnfinished: 8, succeeded: 8 }, [0, 1, 2, 3, 4, 5, 6, 7, 8]],
    // The later record fails first; the response must still name the lower one.
    ['failures in two keys at once', 'ABCABCABC', 3, 'last-started', [1, 2], { firstUnfinished: 1, succeeded: 1 }, [0, 1, 2]],
    // Record 3 waits behind record 0 (key A) and never starts: it, not the failed record 4, is the lowest unfinished.
    ['a failure while a lower one waits', 'ABCABCABC', 3, 'last-started', [4], { firstUnfinished: 3, succeeded: 5 }, [0, 1, 2, 5, 8, 4]],
    ['one key runs one at a time', 'AAAA', 3, 'last-started', [], { firstUnfinished: undefined, succeeded: 4 }, [0, 1, 2, 3]],
    ['concurrency 1 is sequential', 'ABCD', 1, 'last-started', [2], { firstUnfinished: 2, succeeded: 2 }, [0, 1, 2]],
  ])('%s (lanes %s, concurrency %i, %s first, failing %j)', async (_label, lanes, concurrency, policy, failing, expected, started) => {
    // Prepare
    const { gate, outcome } = gatedRun(lanes, concurrency, policy, failing);

    // Act
    const result = await outcome;

    // Assess
    expect(result).toEqual(expected);
    expect(startOrder(gate)).toEqual(started);
    expect(gate.waiting, 'every task in flight was awaited').toEqual([]);
    expect(gate.maxInFlight).toBeLessThanOrEqual(concurrency);
    expect(laneOrderViolations(gate.events, (i) => lanes[i]!)).toEqual([]);
    expect(startsAfterFirstFailure(gate.events, new Set(failing))).toEqual([]);
  });

  it.each([1, 2, 4, 7])('keeps at most %i tasks in flight and reaches that bound when keys allow', async (concurrency) => {
    // Prepare
    const lanes = 'ABCDEFGHIJKLMNOPQRST';

    // Act
    const { gate, outcome } = gatedRun(lanes, concurrency, 'last-started', []);
    const result = await outcome;

    // Assess
    expect(result).toEqual({ firstUnfinished: undefined, succeeded: lanes.length });
    expect(gate.maxInFlight).toBe(concurrency);
  });

  it('runs 10,000 synchronous tasks without growing the stack, and stops at a synchronous failure', async () => {
    // Prepare
    const ran: number[] = [];
    const tasks = (failAt: number) => ({
      count: 10_000,
      concurrency: 16,
      keyOf: (i: number) => String(i % 7),
      run: (i: number) => (ran.push(i), i !== failAt),
      mayStart: () => true,
    });

    // Act
    const all = await runKeyOrdered(tasks(-1));
    ran.length = 0;
    const stopped = await runKeyOrdered(tasks(5000));

    // Assess
    expect(all).toEqual({ firstUnfinished: undefined, succeeded: 10_000 });
    expect(stopped).toEqual({ firstUnfinished: 5000, succeeded: 5000 });
    expect(ran).toEqual(Array.from({ length: 5001 }, (_, i) => i));
  });

  // A rejection arrives later: the tasks of other keys that started meanwhile finish and count.
  it.each<[string, (i: number) => boolean | Promise<boolean>, number]>([
    [
      'throws synchronously',
      () => {
        throw new Error('sync');
      },
      2,
    ],
    ['rejects', () => Promise.reject(new Error('async')), 4],
    ['returns false', () => false, 2],
  ])('counts a task that %s as failed', async (_label, failing, succeeded) => {
    // Prepare
    const run = (i: number) => (i === 2 ? failing(i) : true);

    // Act
    const outcome = await runKeyOrdered({ count: 5, concurrency: 2, keyOf: String, run, mayStart: () => true });

    // Assess
    expect(outcome).toEqual({ firstUnfinished: 2, succeeded });
  });

  it('starts nothing once mayStart says no, awaits what is in flight, and names the first task not started', async () => {
    // Prepare
    const gate = createGate();
    let open = true;
    const run = (i: number) => gate.enter(i).then(() => true);
    const result = runKeyOrdered({ count: 6, concurrency: 3, keyOf: String, run, mayStart: () => open });
    let settled = false;
    void result.finally(() => void (settled = true));
    await nextTurn();

    // Act
    open = false;
    gate.release(1, 'ok');
    await nextTurn();
    const settledWithTwoInFlight = settled;
    gate.release(2, 'ok');
    gate.release(0, 'ok');

    // Assess
    expect(settledWithTwoInFlight).toBe(false);
    expect(await result).toEqual({ firstUnfinished: 3, succeeded: 3 });
    expect(startOrder(gate)).toEqual([0, 1, 2]);
  });

  it('rejects when mayStart throws, but only after the tasks in flight settled', async () => {
    // Prepare
    const held = deferred<boolean>();
    let calls = 0;
    const mayStart = () => {
      if (++calls > 1) throw new Error('clock broke');
      return true;
    };
    const result = runKeyOrdered({ count: 3, concurrency: 2, keyOf: String, run: () => held.promise, mayStart });
    let settled = false;
    result.catch(() => undefined).finally(() => void (settled = true));

    // Act
    await nextTurn();
    const settledWhileHeld = settled;
    held.resolve(true);

    // Assess
    expect(settledWhileHeld).toBe(false);
    await expect(result).rejects.toThrow('clock broke');
  });

  it('keeps per-key order and reports the lowest unfinished task on 300 random runs', async () => {
    // Prepare: a small LCG, so a failing run can be replayed from its seed.
    let seed = 12345;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let run = 0; run < 300; run++) {
      const lanes = Array.from({ length: 5 + random(25) }, () => 'ABCDE'[random(5)]).join('');
      const concurrency = 1 + random(6);
      const failing = lanes.split('').flatMap((_, i) => (random(12) === 0 ? [i] : []));
      const policy: ReleasePolicy = random(2) === 0 ? 'first-started' : 'last-started';

      // Act
      const { gate, outcome } = gatedRun(lanes, concurrency, policy, failing);
      const result = await outcome;

      // Assess
      const context = `run ${run}: ${lanes} c=${concurrency} ${policy} failing ${failing.join(',')}`;
      const ended = new Set(gate.events.filter((e) => e.type === 'end').map((e) => e.id));
      const succeededIds = [...ended].filter((i) => !failing.includes(i));
      const lowest = lanes.split('').findIndex((_, i) => !succeededIds.includes(i));
      expect(result, context).toEqual({ firstUnfinished: lowest < 0 ? undefined : lowest, succeeded: succeededIds.length });
      expect(gate.waiting, context).toEqual([]);
      expect(gate.maxInFlight, context).toBeLessThanOrEqual(concurrency);
      expect(
        laneOrderViolations(gate.events, (i) => lanes[i]!),
        context,
      ).toEqual([]);
      expect(startsAfterFirstFailure(gate.events, new Set(failing)), context).toEqual([]);
    }
  });
});
