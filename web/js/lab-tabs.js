// lab-tabs.js: on a phone the lab's three parts, the statement, the code and the results, are
// tabs (an ARIA tablist: arrow keys, Home and End move between them), so the learner goes from
// their code to what the checks say with one tap instead of scrolling past the statement.
// Wider screens show the three parts side by side: the tabs are hidden and the parts are
// plain regions again.
//
//   const tabs = new LabTabs(tablist, "(max-width: 700px)");
//   tabs.select("results");    // after a check: on a phone, the results come up

import { $ } from "./dom.js";

export class LabTabs {
  constructor(tablist, query) {
    this.tabs = [...tablist.querySelectorAll('[role="tab"]')];
    this.tablist = tablist;
    this.narrow = matchMedia(query);
    this.selected = this.tabs[0];
    this.tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => this.choose(tab, false));
      tab.addEventListener("keydown", (event) => {
        const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -i, End: this.tabs.length - 1 - i };
        if (!(event.key in moves)) return;
        event.preventDefault();
        this.choose(this.tabs[(i + moves[event.key] + this.tabs.length) % this.tabs.length], true);
      });
    });
    this.narrow.addEventListener("change", () => this.apply());
    this.apply();
  }

  // Select a part by its name (the tab's data-part).
  select(part) {
    const tab = this.tabs.find((candidate) => candidate.dataset.part === part);
    if (tab) this.choose(tab, false);
  }

  choose(tab, focus) {
    this.selected = tab;
    this.apply();
    if (focus) tab.focus();
  }

  apply() {
    const narrow = this.narrow.matches;
    this.tablist.hidden = !narrow;
    for (const tab of this.tabs) {
      const selected = tab === this.selected;
      const panel = $(tab.getAttribute("aria-controls"));
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (narrow) {
        panel.setAttribute("role", "tabpanel");
        panel.setAttribute("aria-labelledby", tab.id);
        panel.hidden = !selected;
      } else {
        panel.removeAttribute("role");
        panel.removeAttribute("aria-labelledby");
        panel.hidden = false;
      }
    }
  }
}
