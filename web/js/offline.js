// offline.js: the page's side of the service worker (sw.js, docs/OFFLINE.md).
//
// main.js calls offerOffline() once the studio is ready: only then is sw.js registered, so
// on a first visit it downloads its copy of the site after the page has what it needs. One
// quiet line in the footer (#offline) says what a person would want to know:
//   "Works offline: …"      once every file is in this browser's cache;
//   "A new version …" with a Reload button, when a newer build has been downloaded in the
//                            background (the page keeps running the build it started with).
// Browsers without service workers, and pages from file://, get no line and lose nothing.

import { $ } from "./dom.js";

const note = $("offline");
const SW_URL = new URL("../sw.js", import.meta.url);

export function offerOffline() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register(SW_URL).then(watch, (error) => {
    console.warn(`Offline use is not available: ${error.message}`);
  });
}

function watch(registration) {
  if (!registration) return;   // registration refused quietly (test harnesses can do that)
  // `ready` resolves once a worker is active, and a worker is only activated after its
  // install has cached every file of its build.
  navigator.serviceWorker.ready.then(() => {
    if (!note.dataset.state) say("saved", "Works offline: the studio is saved in this browser.");
  });
  const pending = registration.waiting || registration.installing;
  if (pending) whenInstalled(pending);
  registration.addEventListener("updatefound", () => whenInstalled(registration.installing));
}

// A new build's worker: once it has cached its files, offer to switch to it. (Without a
// controller this is the first install, which `ready` above reports.)
function whenInstalled(worker) {
  const check = () => {
    if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
  };
  check();
  worker.addEventListener("statechange", check);
}

function offerUpdate(worker) {
  say("update", "A new version of the studio is downloaded. ");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "quiet";
  button.dataset.testid = "offline-reload";
  button.textContent = "Reload to use it";
  button.addEventListener("click", () => {
    button.disabled = true;
    navigator.serviceWorker.addEventListener("controllerchange", () => location.reload(), { once: true });
    worker.postMessage({ type: "activate" });
  });
  note.append(button);
}

function say(state, text) {
  note.dataset.state = state;
  note.textContent = text;
  note.hidden = false;
}
