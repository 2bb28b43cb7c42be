// lab-map.js: the assignment's map: every exercise in order, each a button with its number,
// title and state in words ("passed", "not passing yet", "not started"; a mark beside them,
// never colour alone), the one on screen marked aria-current="step".
//
//   const map = new AssignmentMap(list, { onPick: (id) => ... });
//   map.show(exercises, { current, stateOf });

import { STATE_WORDS } from "./lab-progress.js";

const MARKS = { passed: "✓", failing: "✗", "not started": "○" };

export class AssignmentMap {
  constructor(list, { onPick }) {
    this.list = list;
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-exercise]");
      if (button) onPick(button.dataset.exercise);
    });
  }

  show(exercises, { current, stateOf }) {
    this.list.replaceChildren(...exercises.map((exercise, i) => {
      const state = stateOf(exercise.id);
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "lab-map-step";
      button.dataset.exercise = exercise.id;
      button.dataset.state = state;
      if (exercise.id === current) button.setAttribute("aria-current", "step");
      const mark = span("lab-map-mark", MARKS[state]);
      mark.setAttribute("aria-hidden", "true");
      button.append(mark, span("lab-map-number", `${i + 1}. `), span("lab-map-title", exercise.title),
                    span("visually-hidden", `: ${STATE_WORDS[state]}`));
      item.append(button);
      return item;
    }));
  }
}

function span(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}
