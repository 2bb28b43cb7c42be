// lab-runner.js: the page's side of the lab worker, which it can stop at any moment.
//
//   const runner = new LabRunner(url, { onState: (state, message) => ... });
//   await runner.request("check", { exercise, code });   // rejects with LabStopped on Stop/timeout
//   runner.stop();                                        // ends a running check, restarts Python
//
// Learner code is a guest: every request that runs it ("check") gets a Python that has run
// nothing else, and that Python is thrown away when the request ends, so nothing the code
// changes (pynn's checker, numpy, module state) can outlive its check. A spare worker boots
// in the background while the learner reads the results, so the next check does not wait.
// A check that runs longer than TIME_LIMIT_MS is stopped the same way as by the Stop button:
// the worker is terminated (the only way to end `while True: pass` without special headers).
// States: "booting", "ready", "running", "failed".

export const TIME_LIMIT_MS = 10_000;
const RUNS_LEARNER_CODE = new Set(["check"]);

export class LabStopped extends Error {}

export class LabRunner {
  constructor(url, { onState = () => {} } = {}) {
    this.url = url;
    this.onState = onState;
    this.nextId = 1;
    this.pending = null;   // {id, resolve, reject, timer} of the request in flight
    this.spare = null;     // a fresh worker booting (or ready) for the next check
    this.current = this.boot();
    this.setState("booting");
  }

  get ready() {
    return this.current.ready;
  }

  // A new worker and the promise of its Python being ready.
  boot() {
    const worker = new Worker(this.url, { type: "module" });
    const record = { worker };
    record.ready = new Promise((resolve, reject) => {
      worker.onmessage = (event) => {
        const message = event.data;
        if (message.type === "ready") {
          resolve();
          if (record === this.current) this.becameReady();
        } else if (message.type === "failed") {
          reject(new Error(message.message));
          if (record === this.current) {
            this.setState("failed", `Python could not start for the lab: ${message.message}`);
          }
        } else if (message.type === "reply" && record === this.current) {
          this.settle(message);
        }
      };
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
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.stop(
        `Stopped after ${timeLimitMs / 1000} s: does your code loop forever? Python restarts.`), timeLimitMs);
      this.pending = { id, resolve, reject, timer, fresh: RUNS_LEARNER_CODE.has(type) };
      this.setState("running");
      record.worker.postMessage({ id, type, ...args });
    });
  }

  settle(message) {
    const pending = this.pending;
    if (!pending || pending.id !== message.id) return;
    clearTimeout(pending.timer);
    this.pending = null;
    if (pending.fresh) this.replaceWorker();
    else this.setState("ready");
    const { type, id, ok, error, ...answer } = message;
    if (ok) pending.resolve(answer);
    else pending.reject(new Error(error));
  }

  // Throw the worker in use away and go on with the spare (or a new one).
  replaceWorker() {
    this.current.worker.terminate();
    this.current = this.spare || this.boot();
    this.spare = null;
    this.setState("booting");
    this.current.ready.then(() => {
      if (this.state === "booting") this.becameReady();
    }, () => {});
  }

  // End whatever runs now: terminate the worker and go on with a fresh one.
  stop(reason = "Stopped. Python restarts for the next check.") {
    const pending = this.pending;
    this.pending = null;
    this.replaceWorker();
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(new LabStopped(reason));
    }
  }
}
