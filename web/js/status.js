// status.js: the status line and the error banner.
//
// Every error shown has a cause ("form", "link", "report", "training", "files"...): when the
// cause goes away (the form is valid again, a report arrived), clear(cause) hides the
// banner if it is still that cause's. A new error replaces the old one.

import { $ } from "./dom.js";

let shownCause = null;

export function setStatus(message) {
  $("status").textContent = message;
}

export function showError(message, cause = "other") {
  $("error-text").textContent = message;
  $("error").hidden = false;
  $("error").dataset.cause = cause;
  shownCause = cause;
}

// Hide the banner; with a cause, only if the banner shows that cause's message.
export function hideError(cause = null) {
  if (cause !== null && cause !== shownCause) return;
  $("error").hidden = true;
  $("error-text").textContent = "";
  delete $("error").dataset.cause;
  shownCause = null;
}

$("error-dismiss").addEventListener("click", () => hideError());
