// lab-runner.js: the page's side of the lab's workers, which it can stop at any moment.
//
//   const runner = new LabRunner(url, { onState: (state, message) => ... });
//   await runner.request("check", { exercise, code });   // rejects with LabStopped on Stop/timeout
//   runner.stop();                                        // ends a running check, restarts Python
//   const run = await runner.takeWorker();                // a fresh worker for one long job (RunWorker)
//
// Learner code is a guest: every request that runs it ("check") gets a Python that has run
// nothing else, and that Python is thrown away when the request ends, so nothing the code
// changes (pynn's checker, numpy, module state) can outlive its check. A spare worker boots
// in the background while the learner reads the results, so the next check does not wait.
// A check that runs longer than TIME_LIMIT_MS is stopped the same way as by the Stop button:
// the worker is terminated (the only way to end `while True: pass` without special headers).
// Each worker is a WorkerClient (worker-client.js), the studio's client too.
// A long job of learner code (the assignment's run) takes the fresh worker in use for itself
// (takeWorker) and asks it for short steps; the time limit holds for each step, not for the
// job, and the job's owner terminates the worker when it ends (RunWorker).
// States: "booting", "ready", "running", "failed".

import { WorkerClient } from "./worker-client.js";

export const TIME_LIMIT_MS = 10_000;
const RUNS_LEARNER_CODE = new Set(["check"]);

export class LabStopped extends Error {}

export class LabRunner {
  constructor(url, { onState = () => {} } = {}) {
    this.url = url;
    this.onState = onState;
    this.pending = null;   // {record, timer} of the request in flight
    this.spare = null;     // a fresh worker booting (or ready) for the next check
    this.current = this.boot();
    this.setState("booting");
  }

  get ready() {
    return this.current.ready;
  }

  // A new worker and the promise of its Python being ready.
  boot() {
    const client = new WorkerClient(this.url);
    const record = { client };
    record.ready = new Promise((resolve, reject) => {
      client.on("status", ({ phase, message }) => {
        if (phase === "ready") {
          resolve();
          if (record === this.current) this.becameReady();
        } else if (phase === "error") {
          reject(new Error(message));
          if (record === this.current) this.setState("failed", `Python could not start for the lab: ${message}`);
        }
      });
    });
    record.ready.catch(() => {});
    return record;
  }

  becameReady() {
    if (!this.pending) this.setState("ready");
    if (!this.spare) this.spare = this.boot();   // booted after the one in use: no contention at start
  }

  setState(state, message = "") {
    this.state = state;
    this.onState(state, message);
  }

  async request(type, args = {}, { timeLimitMs = TIME_LIMIT_MS } = {}) {
    if (this.pending) throw new Error("a check is already running");
    const record = this.current;
    await record.ready;
    if (record !== this.current) return this.request(type, args, { timeLimitMs });
    const timer = setTimeout(() => this.stop(
      `Stopped after ${timeLimitMs / 1000} s: does your code loop forever? Python restarts.`), timeLimitMs);
    this.pending = { record, timer };
    this.setState("running");
    try {
      return await record.client.request(type, args);
    } finally {
      if (this.pending && this.pending.record === record) {   // not stopped meanwhile
        clearTimeout(timer);
        this.pending = null;
        if (RUNS_LEARNER_CODE.has(type)) this.replaceWorker();
        else this.setState("ready");
      }
    }
  }

  // Throw the worker in use away (a request in flight rejects with `error`) and go on with
  // the spare (or a new one).
  replaceWorker(error = new LabStopped("Python restarted")) {
    this.current.client.terminate(error);
    this.moveOn();
  }

  // Hand the worker in use over to a long job of its own: it has run no learner code (every
  // check replaces it). The checks go on with the spare.
  async takeWorker() {
    if (this.pending) throw new Error("a check is running");
    const record = this.current;
    await record.ready;
    if (record !== this.current || this.pending) return this.takeWorker();
    this.moveOn();
    return new RunWorker(record.client);
  }

  moveOn() {
    this.current = this.spare || this.boot();
    this.spare = null;
    this.setState("booting");
    this.current.ready.then(() => {
      if (this.state === "booting") this.becameReady();
    }, () => {});
  }

  // End whatever runs now: terminate the worker and go on with a fresh one.
  stop(reason = "Stopped. Python restarts for the next check.") {
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = null;
    this.replaceWorker(new LabStopped(reason));
  }
}

// A worker kept for one long job: each request is stopped after `timeLimitMs` (the worker is
// terminated, the request rejects with LabStopped); close() terminates it.
export class RunWorker {
  constructor(client) {
    this.client = client;
    this.closed = false;
  }

  async request(type, args = {}, { timeLimitMs = TIME_LIMIT_MS } = {}) {
    if (this.closed) throw new LabStopped("the run's Python has ended");
    const timer = setTimeout(() => this.close(new LabStopped(
      `Stopped after ${timeLimitMs / 1000} s in one step: does your code loop forever?`)), timeLimitMs);
    try {
      return await this.client.request(type, args);
    } finally {
      clearTimeout(timer);
    }
  }

  close(error = new LabStopped("Stopped.")) {
    if (this.closed) return;
    this.closed = true;
    this.client.terminate(error);
  }
}
