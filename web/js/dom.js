// dom.js: how the page's modules reach its elements: by id, through `$`, and nothing else.
// (data-testid attributes are for the tests only; no module selects by them.) Widgets are
// given their elements by the module that wires them, which finds them here.

export const $ = (id) => document.getElementById(id);

// Smooth scrolling unless the person asked the system for reduced motion.
export function scrollTo(element, block) {
  const reduce = matchMedia("(prefers-reduced-motion: reduce)").matches;
  element.scrollIntoView({ block, behavior: reduce ? "auto" : "smooth" });
}
