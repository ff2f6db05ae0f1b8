// Whether a compiled program (or the fused notebook step) should use its helper threads right now.
// Threads pay off only while every core is free: the threads meet at spin barriers several times
// per step, so when another process takes a core, a step waits for the descheduled thread and can
// run many times slower than on one thread (measured: 5-8x slower with two other busy processes
// on a 2-core machine).
// The threaded and single-threaded steps give the same numbers bit for bit, so the choice can
// follow the machine: every so often both are timed on a few steps, alternating, and the faster
// one runs until the next trial. A trial that confirms the choice doubles the wait before the
// next one (up to MAX_INTERVAL steps); a trial that changes it starts the waits over. While the
// threads run, their recent pace is watched too: once it falls behind what one thread did in the
// last trial, the next trial starts at once instead of thousands of steps later.
// Leaves out: more than two options (1 thread or all of init()'s threads).

const WARMUP = 200;          // steps before the first trial (the wasm tiers up in the first ones)
const BLOCK = 25;            // steps per trial block; a trial is 4 blocks: threads, one, threads, one
const FIRST_INTERVAL = 1000; // steps between trials, doubled while the choice stands
const MAX_INTERVAL = 64000;
const PACE = 0.05;           // weight of each threaded step in the running pace (about 20 steps' worth)
const SLOWER = 1.2;          // a running pace this much above one thread's starts a trial,
const MIN_GAP = 500;         // at least this many steps after the last one (a GC pause is no trend)

export class ThreadChoice {
  /** Steps taken, and how many of them ran on the helper threads. */
  steps = 0;
  threadedSteps = 0;
  private useThreads = true;
  private nextTrial = WARMUP;
  private interval = FIRST_INTERVAL;
  // the running trial: its step, and the time each option took in it
  private trialStep = -1;
  private readonly trialTime = { threads: 0, one: 0 };
  // ms per step: one thread's in the last trial (Infinity before any), the threads' running pace
  private oneMs = Infinity;
  private paceMs = 0;
  private lastTrial = 0;

  /** Whether the next step should run on the threads. Call record() after it. */
  threads(): boolean {
    if (this.trialStep < 0 && this.steps >= this.nextTrial) {
      this.trialStep = 0;
      this.trialTime.threads = this.trialTime.one = 0;
    }
    if (this.trialStep >= 0) return Math.floor(this.trialStep / BLOCK) % 2 === 0;
    return this.useThreads;
  }

  /** The step just taken (threaded or not, as threads() said) took `ms`. */
  record(threaded: boolean, ms: number): void {
    this.steps++;
    if (threaded) this.threadedSteps++;
    if (this.trialStep < 0) {
      if (threaded) {
        this.paceMs += PACE * (ms - this.paceMs);
        if (this.paceMs > SLOWER * this.oneMs && this.steps - this.lastTrial >= MIN_GAP) this.nextTrial = this.steps;
      }
      return;
    }
    this.trialTime[threaded ? 'threads' : 'one'] += ms;
    if (++this.trialStep < 4 * BLOCK) return;
    const choice = this.trialTime.threads < this.trialTime.one;
    this.oneMs = this.trialTime.one / (2 * BLOCK);
    this.paceMs = this.trialTime.threads / (2 * BLOCK);
    this.interval = choice === this.useThreads ? Math.min(2 * this.interval, MAX_INTERVAL) : FIRST_INTERVAL;
    this.useThreads = choice;
    this.trialStep = -1;
    this.lastTrial = this.steps;
    this.nextTrial = this.steps + this.interval;
  }
}
