// focus.js: keep keyboard focus somewhere sensible when the control that has it becomes
// disabled (Train disables itself when a run starts, Stop when it ends, everything while a
// file loads). Browsers drop focus to <body> then, and a keyboard or screen-reader user
// loses their place.
//
//   const keeper = new FocusKeeper(candidates, fallback);
//   keeper.around(() => { ...enable/disable controls... });
//
// If the focused control got disabled, focus moves to the first enabled candidate (in the
// order given), else to `fallback` (an element with tabindex -1, e.g. the status line); and
// when the control that lost focus is enabled again while focus still waits on the
// fallback, it gets focus back.

export class FocusKeeper {
  constructor(candidates, fallback) {
    this.candidates = candidates;
    this.fallback = fallback;
    this.returnTo = null;
    if (fallback.tabIndex < 0 && !fallback.hasAttribute("tabindex")) fallback.tabIndex = -1;
  }

  around(change) {
    const focused = document.activeElement;
    change();
    if (this.returnTo && document.activeElement === this.fallback && !this.returnTo.disabled) {
      this.returnTo.focus();
      this.returnTo = null;
      return;
    }
    if (!focused || focused === document.body || !focused.disabled) return;
    const next = this.candidates.find((element) => element !== focused && !element.disabled);
    if (next) {
      next.focus();
    } else {
      this.returnTo = focused;
      this.fallback.focus();
    }
  }
}
