// worker-client.js: the page's side of the worker protocol (docs/PROTOCOL.md), one client
// for both workers: the studio's (boot.js) and each of the lab's (lab-runner.js).
//
//   const worker = new WorkerClient(new URL("./worker/worker.js", import.meta.url));
//   worker.on("status", ({ phase, progress, message }) => ...);   // and the run's events
//   const answer = await worker.request("predict", { pixels, width, height }, [pixels.buffer]);
//   worker.terminate(new Error("stopped"));   // ends the worker; requests in flight reject
//
// Messages that arrive before a handler is registered are kept and replayed to the first
// handler of their type. request() resolves with the reply's fields, or rejects with a
// WorkerError whose message is the worker's one readable line (a failed request changed
// nothing). A worker that cannot even be loaded says so as a `status` of phase "error".

export class WorkerError extends Error {}

export class WorkerClient {
  constructor(url) {
    this.worker = new Worker(url, { type: "module" });
    this.nextId = 1;
    this.waiting = new Map();   // id -> {resolve, reject}
    this.handlers = new Map();  // message type -> [handler]
    this.early = [];            // messages that came before anyone listened (during page load)
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.emit("status", { type: "status", phase: "error", progress: 0,
                            message: `The worker failed: ${event.message || "it could not be loaded"}` });
    };
  }

  on(type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, []);
    this.handlers.get(type).push(handler);
    const replay = this.early.filter((message) => message.type === type);
    this.early = this.early.filter((message) => message.type !== type);
    for (const message of replay) handler(message);
  }

  emit(type, message) {
    const handlers = this.handlers.get(type);
    if (!handlers) this.early.push(message);
    else for (const handler of handlers) handler(message);
  }

  request(type, args = {}, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...args }, transfer);
    });
  }

  // End the worker at once (whatever it is running); requests in flight reject with `error`.
  terminate(error) {
    this.worker.terminate();
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const { reject } of waiting) reject(error);
  }

  receive(message) {
    if (message.type !== "reply") {
      this.emit(message.type, message);
      return;
    }
    const waiter = this.waiting.get(message.id);
    if (!waiter) return;
    this.waiting.delete(message.id);
    const { type, id, ok, error, ...answer } = message;
    if (ok) waiter.resolve(answer);
    else waiter.reject(new WorkerError(error));
  }
}
