// coalesce.js: run an async task one at a time. Calls that arrive while it runs collapse
// into a single rerun afterwards, so a burst of pointer moves or of epoch ends costs at
// most two round trips to the worker, and the last answer is always from the newest state.

export function coalesced(task) {
  let running = false;
  let again = false;
  return async function run() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await task();
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      run();
    }
  };
}
