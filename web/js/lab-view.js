// lab-view.js: the way into the lab from the studio. The lab opens above the studio (which
// keeps running below it), and stays open across reloads; its Python starts on first open.
// A link to `index.html#lab=<course>` opens the lab on that course (pynn.lab's courses: a
// teacher's choice and order of exercises); the lab then stays on it across reloads.

import { $ } from "./dom.js";
import { Lab } from "./lab.js";
import { storedCourse } from "./lab-progress.js";

const OPEN_KEY = "pynn-lab:open";

// The course a `#lab=<course>` link names, or undefined.
function linkedCourse() {
  return new URLSearchParams(window.location.hash.replace(/^#/, "")).get("lab") ?? undefined;
}

export function setUpLab({ onTrain }) {
  const linked = linkedCourse();
  const lab = new Lab({ onTrain, course: linked ?? storedCourse() });
  const button = $("lab-open");

  async function show(open, { scroll = true } = {}) {
    $("lab").hidden = !open;
    button.setAttribute("aria-pressed", String(open));
    button.textContent = open ? "Close the lab" : "Lab: write the layers yourself";
    try {
      localStorage.setItem(OPEN_KEY, open ? "1" : "0");
    } catch {
      /* storage disabled */
    }
    if (!open) return;
    if (scroll) $("lab").scrollIntoView({ block: "start" });
    await lab.open();
  }

  button.addEventListener("click", () => show($("lab").hidden));
  // A course link pasted or followed while the page is open.
  window.addEventListener("hashchange", async () => {
    const course = linkedCourse();
    if (course === undefined || course === lab.course) return;
    const first = !lab.opened;
    lab.course = course;
    await show(true);
    if (!first) await lab.openCourse(course);
  });
  let reopen = linked !== undefined;
  try {
    reopen ||= localStorage.getItem(OPEN_KEY) === "1";
  } catch {
    /* storage disabled */
  }
  if (reopen) show(true, { scroll: linked !== undefined });
  return lab;
}
