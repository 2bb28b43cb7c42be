// lab-runner.js: the page's side of the lab worker, which it can stop at any moment.
//
//   const runner = new LabRunner(url, { onState: (state, message) => ... });
//   await runner.request("check", { exercise, code });   // rejects with LabStopped on Stop/timeout
//   runner.stop();                                        // ends a running check, restarts Python
//
// A check that runs longer than TIME_LIMIT_MS is stopped the same way as by the Stop button:
// the worker is terminated (the only way to end `while True: pass` without special headers)
// and a fresh one boots. States: "booting", "ready", "running", "failed".

export const TIME_LIMIT_MS = 10_000;

export class LabStopped extends Error {}

export class LabRunner {
  constructor(url, { onState = () => {} } = {}) {
    this.url = url;
    this.onState = onState;
    this.nextId = 1;
    this.pending = null;   // {id, resolve, reject, timer} of the request in flight
    this.start();
  }

  start() {
    this.worker = new Worker(this.url, { type: "module" });
    this.ready = new Promise((resolve, reject) => {
      this.worker.onmessage = (event) => {
        const message = event.data;
        if (message.type === "ready") {
          this.setState("ready");
          resolve();
        } else if (message.type === "failed") {
          this.setState("failed", `Python could not start for the lab: ${message.message}`);
          reject(new Error(message.message));
        } else if (message.type === "reply") {
          this.settle(message);
        }
      };
    });
    this.ready.catch(() => {});
    this.setState("booting");
  }

  setState(state, message = "") {
    this.state = state;
    this.onState(state, message);
  }

  async request(type, args = {}, { timeLimitMs = TIME_LIMIT_MS } = {}) {
    if (this.pending) throw new Error("a check is already running");
    await this.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.stop(
        `Stopped after ${timeLimitMs / 1000} s: does your code loop forever? Python restarts.`), timeLimitMs);
      this.pending = { id, resolve, reject, timer };
      this.setState("running");
      this.worker.postMessage({ id, type, ...args });
    });
  }

  settle(message) {
    const pending = this.pending;
    if (!pending || pending.id !== message.id) return;
    clearTimeout(pending.timer);
    this.pending = null;
    this.setState("ready");
    const { type, id, ok, error, ...answer } = message;
    if (ok) pending.resolve(answer);
    else pending.reject(new Error(error));
  }

  // End whatever runs now: terminate the worker and boot a fresh one.
  stop(reason = "Stopped. Python restarts for the next check.") {
    const pending = this.pending;
    this.pending = null;
    this.worker.terminate();
    this.start();
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(new LabStopped(reason));
    }
  }
}
