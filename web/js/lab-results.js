// lab-results.js: a check's results, the way to read them. The root cause first: the first
// failed check whose `cause` is null, with what was measured and, for a numeric comparison,
// `where` (the element, the input there, yours, expected, in words); the checks that fail
// because of it folded under it ("3 more checks fail because of this"); another failure of
// its own after it, likewise; the passed checks last. Python orders the checks and says which
// failure follows from which (pynn.lab.checks); this file only lays them out.
//
// Help comes in stages, each behind a click, on the root cause: "Show a hint" (the idea),
// "Show the formula", then "Show the solution" when the exercise allows one after this many
// failed runs (`solutionOffered`; Python answers the `solution` request and enforces it too).
//
//   const view = new ResultsView(list, { renderTex });
//   view.show(results, { solutionOffered, askSolution: async () => text or null });
//   summary(report);   // the status line of a report

import { appendText } from "./lab-statement.js";

const STAGES = ["Show a hint", "Show the formula"];

export class ResultsView {
  constructor(list, { renderTex }) {
    this.list = list;
    this.renderTex = renderTex;
  }

  show(results, { solutionOffered = false, askSolution = async () => null } = {}) {
    const roots = [];
    const folded = new Map();   // root index → indices of the failures that follow from it
    results.forEach((result, i) => {
      if (result.passed) return;
      const root = rootOf(results, i);
      if (root === i || !folded.has(root)) {
        roots.push(i);
        folded.set(i, []);
      } else {
        folded.get(root).push(i);
      }
    });
    const items = roots.map((i, n) => {
      const item = this.failure(results[i], folded.get(i).map((j) => results[j]));
      if (n === 0) {
        item.classList.add("lab-root-cause");
        this.addHelp(item, results[i].hints ?? [], solutionOffered, askSolution);
      }
      return item;
    });
    const passes = results.filter((result) => result.passed).map((result) => this.pass(result));
    this.list.replaceChildren(...items, ...passes);
  }

  failure(result, following) {
    const item = entry(result);
    if (result.detail) item.append(element("pre", "lab-result-detail", result.detail));
    if (result.where) item.append(where(result.where, result.detail));
    if (following.length) {
      const details = element("details", "lab-because");
      const count = following.length === 1 ? "1 more check fails" : `${following.length} more checks fail`;
      details.append(element("summary", "", `${count} because of this`));
      const list = element("ol", "lab-results-following");
      list.append(...following.map((other) => this.failure(other, [])));
      details.append(list);
      item.append(details);
    }
    return item;
  }

  pass(result) {
    const item = entry(result);
    if (result.detail) item.append(element("span", "lab-result-detail", ` — ${result.detail}`));
    return item;
  }

  // The hint stages, then the solution, one click at a time.
  addHelp(item, hints, solutionOffered, askSolution) {
    const stages = hints.map((text, i) => ({ label: STAGES[i] ?? "Show more", text }));
    if (!stages.length && !solutionOffered) return;
    const help = element("div", "lab-help");
    const button = element("button", "lab-help-next");
    button.type = "button";
    const next = () => {
      if (stages.length) button.textContent = stages[0].label;
      else if (solutionOffered) button.textContent = "Show the solution";
      else button.remove();
    };
    button.addEventListener("click", async () => {
      if (stages.length) {
        const stage = stages.shift();
        const text = element("p", "lab-hint");
        text.dataset.stage = String(hints.length - stages.length);
        appendText(text, stage.text, this.renderTex);
        button.before(text);
        next();
        return;
      }
      button.disabled = true;
      const solution = await askSolution();
      const shown = solution === null
        ? element("p", "lab-hint", "No solution is shown for this exercise.")
        : element("pre", "lab-solution-code", solution.trim());
      shown.tabIndex = -1;
      button.replaceWith(shown);
      shown.focus();
    });
    next();
    help.append(button);
    const folded = item.querySelector(":scope > .lab-because");   // the help goes above the folded checks
    if (folded) folded.before(help);
    else item.append(help);
  }
}

// "All 8 checks passed." or "5 of 8 checks passed; fix this first: <the root cause>."
export function summary(report) {
  const passed = report.results.filter((result) => result.passed).length;
  if (report.passed) return `All ${passed} checks passed.`;
  const root = report.results.find((result) => !result.passed && (result.cause ?? null) === null);
  const first = root ? `; fix this first: ${root.name}` : "";
  return `${passed} of ${report.results.length} checks passed${first}.`;
}

// The failure `i` follows from, following `cause` back to one with none (or that did not fail).
function rootOf(results, i) {
  const seen = new Set();
  let at = i;
  for (;;) {
    const cause = results[at].cause;
    if (cause === null || cause === undefined || seen.has(cause) || !results[cause] || results[cause].passed) return at;
    seen.add(at);
    at = cause;
  }
}

function entry(result) {
  const item = element("li");
  item.dataset.status = result.passed ? "pass" : "fail";
  item.append(element("span", "lab-result-name", `${result.passed ? "✓" : "✗"} ${result.name}`));
  return item;
}

// "grad_input[2, 5]: input 0.31, yours 0, expected 2.73", then Python's words (unless the
// detail above says them already).
function where({ element: at, input, yours, expected, words }, detail) {
  const box = element("div", "lab-where");
  const line = element("p", "lab-where-values");
  line.append(element("strong", "", at), ": ");
  const values = [["input", input], ["yours", yours], ["expected", expected]].filter(([, value]) => value != null);
  values.forEach(([name, value], i) => {
    line.append(`${i ? ", " : ""}${name} `, element("code", "", value));
  });
  box.append(line);
  if (words && !detail.includes(words)) box.append(element("p", "lab-where-words", words));
  return box;
}

function element(tag, className = "", text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}
