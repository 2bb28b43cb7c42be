// boot.js: start the worker (and with it Pyodide) before anything else on the page loads.
// index.html runs this module first; main.js imports the same instance.

import { WorkerClient } from "./worker-client.js";

export const worker = new WorkerClient(new URL("./worker/worker.js", import.meta.url));
