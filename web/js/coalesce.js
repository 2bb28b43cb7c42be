// coalesce.js: bursts of calls collapsed into few runs. `coalesced`: an async task one at a
// time; calls that arrive while it runs collapse into a single rerun afterwards, so a burst
// of pointer moves or of epoch ends costs at most two round trips to the worker, and the last
// answer is always from the newest state. `onceAFrame`: a drawing task at most once per
// animation frame, however often data arrives.

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

export function onceAFrame(task) {
  let queued = false;
  return function schedule() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      task();
    });
  };
}
