// ThreadChoice (src/compile/thread_choice.ts), driven with made-up step times: it keeps the threads
// while they are faster, moves to one thread when they become slower (a busy machine), moves back
// when they are faster again, and tries less often while its choice keeps being confirmed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ThreadChoice } from '../../src/compile/thread_choice.ts';

/** Runs n steps where a threaded step takes `threaded` ms and a one-thread step `one` ms; returns the threaded share. */
function drive(c: ThreadChoice, n: number, threaded: number, one: number): number {
  let used = 0;
  for (let i = 0; i < n; i++) {
    const t = c.threads();
    if (t) used++;
    c.record(t, t ? threaded : one);
  }
  return used / n;
}

test('thread choice: threads all the way while they are faster, except the trials', () => {
  const c = new ThreadChoice();
  const share = drive(c, 100000, 0.05, 0.09);
  assert.ok(share > 0.99, `threaded share ${share}`);
  assert.is(c.steps, 100000);
});

test('thread choice: a busy machine (threads 7x slower) moves to one thread within one trial', () => {
  const c = new ThreadChoice();
  drive(c, 200, 0.6, 0.09); // warm-up: threads, however slow
  drive(c, 100, 0.6, 0.09); // the first trial
  assert.is(drive(c, 900, 0.6, 0.09), 0, 'no threaded step until the next trial');
  const share = drive(c, 100000, 0.6, 0.09);
  assert.ok(share < 0.01, `threaded share ${share}: trials get rarer while one thread keeps winning`);
});

test('thread choice: back to threads when the machine is free again', () => {
  const c = new ThreadChoice();
  drive(c, 20000, 0.6, 0.09);
  const before = c.threadedSteps;
  drive(c, 70000, 0.05, 0.09); // trials at most 64000 steps apart
  const after = drive(c, 10000, 0.05, 0.09);
  assert.ok(c.threadedSteps > before, 'a later trial found the threads faster');
  assert.ok(after > 0.99, `threaded share afterwards ${after}`);
});

test('thread choice: threads that slow down mid-run are dropped within a few hundred steps, not at the next scheduled trial', () => {
  const c = new ThreadChoice();
  drive(c, 20000, 0.05, 0.09); // threads faster: trials now far apart
  assert.ok(drive(c, 100, 0.05, 0.09) === 1, 'threads while they are faster');
  // the machine gets busy; the next scheduled trial is over 30,000 steps away
  const first = drive(c, 700, 0.6, 0.09);
  assert.ok(first < 0.9, `threaded share of the first 700 busy steps: ${first}`);
  const after = drive(c, 1000, 0.6, 0.09);
  assert.ok(after <= 0.05, `threaded share afterwards (one trial's threaded half at most): ${after}`);
});

test('thread choice: one slow threaded step (a GC pause) does not start trials over and over', () => {
  const c = new ThreadChoice();
  drive(c, 20000, 0.05, 0.09);
  const before = c.steps - c.threadedSteps;
  for (let i = 0; i < 100; i++) { drive(c, 99, 0.05, 0.09); drive(c, 1, 5, 0.09); }
  const trialSteps = c.steps - c.threadedSteps - before;
  assert.ok(trialSteps <= 50 * 20, `one-thread (trial) steps over 10,000 steps: ${trialSteps}`);
});

test.run();
