// controls.js: the settings form and the URL hash that mirrors it.
//
// The form is built from pynn's one settings table (pynn/config.py FIELDS, sent by the
// bridge's `defaults`): each field's label, kind, limits, choices and their labels, help,
// when a change applies, and when the setting is used at all (`only_when`). The form holds strings; pynn validates them (bridge check_config) and the answer
// says which fields are wrong and whether the change needs a Reset. Every checked state of
// the form is written to the URL hash (#hidden=100,200&lr=0.1&...) with replaceState, so the
// link always describes the form and can be shared and reloaded.

import { $ } from "./dom.js";

// The mark after a label: when a change applies (next_run, the usual case, has none).
const MARKS = {
  live: { className: "live", text: "⚡", title: "applies at once, even mid-run" },
  on_reset: { className: "needs-reset", text: "↻", title: "applies on Reset" },
};
const PLACEHOLDERS = { sizes: "e.g. 100,200", arch: "none (an MLP), or e.g. conv8x5 pool2" };
const CHECK_DELAY_MS = 250;   // wait for a pause in typing before asking pynn

export class Controls {
  constructor(form, { check, onValid, onInvalid }) {
    this.form = form;
    this.check = check;          // async (values) => check_config answer
    this.onValid = onValid;      // ({config, needs_reset, values}) => void
    this.onInvalid = onInvalid;  // (errors) => void
    this.fields = new Map();     // name -> its <input>/<select>, in table order (from setup)
    this.preset = null;          // the Preset <select> (from setup)
    this.presets = {};           // name -> recipe
    this.live = new Set();       // names of the settings that apply at once, even mid-run
    this.onlyWhen = new Map();   // name -> {other setting: [values]}: used only then
    this.runActive = false;
    this.enabled = false;
    this.generation = 0;         // a newer check makes older answers stale
    this.timer = null;
    // (the Preset chooser is not a setting: its own listener fills the form)
    form.addEventListener("input", (event) => { if (event.target !== this.preset) this.schedule(); });
    form.addEventListener("change", (event) => { if (event.target !== this.preset) this.schedule(0); });
    form.addEventListener("submit", (event) => event.preventDefault());
  }

  // From the bridge's `defaults`: the settings table, one form field per entry, in order,
  // after a Preset chooser (pynn's PRESETS: choosing one fills the form with its recipe).
  setup({ fields, presets }) {
    const built = fields.map((spec) => buildField(spec));
    this.presets = presets;
    this.preset = presetChooser(Object.keys(presets));
    this.preset.addEventListener("change", () => {
      const recipe = this.presets[this.preset.value];
      if (!recipe) return;
      this.fill(recipe);
      this.schedule(0);
    });
    this.form.replaceChildren(this.preset.closest(".field"), ...built.map(([box]) => box));
    this.fields = new Map(fields.map((spec, i) => [spec.name, built[i][1]]));
    this.live = new Set(fields.filter((spec) => spec.applies === "live").map((spec) => spec.name));
    this.onlyWhen = new Map(fields.filter((spec) => spec.only_when).map((spec) => [spec.name, spec.only_when]));
    this.updateDisabled();
  }

  read() {
    const values = {};
    for (const [name, field] of this.fields) values[name] = field.value.trim();
    return values;
  }

  fill(config) {
    for (const [name, value] of Object.entries(config)) {
      const field = this.fields.get(name);
      if (field) field.value = Array.isArray(value) ? value.join(",") : String(value);
    }
    this.updateDisabled();
    this.showPreset();
  }

  // The preset whose recipe the form holds, or "custom".
  showPreset() {
    if (!this.preset) return;
    const values = this.read();
    const same = (recipe) => Object.entries(recipe).every(([name, value]) =>
      String(Array.isArray(value) ? value.join(",") : value) === values[name]);
    const match = Object.keys(this.presets).find((name) => same(this.presets[name]));
    this.preset.value = match || "";
  }

  schedule(delay = CHECK_DELAY_MS) {
    clearTimeout(this.timer);
    this.updateDisabled();
    this.showPreset();
    this.timer = setTimeout(() => this.validate(), delay);
  }

  // Ask pynn about the form now; resolves with check_config's answer plus the form's
  // `values` (or null if a newer check superseded it, or it failed).
  async validate() {
    clearTimeout(this.timer);
    const generation = ++this.generation;
    const values = this.read();
    let answer;
    try {
      answer = await this.check(values);
    } catch (error) {
      this.onInvalid({ "": error.message });
      return null;
    }
    if (generation !== this.generation) return null;
    writeHash(values);   // the link always describes the form, mistakes included
    this.showErrors(answer.valid ? {} : answer.errors);
    if (!answer.valid) {
      this.onInvalid(answer.errors);
      return answer;
    }
    const valid = { ...answer, values };
    this.onValid(valid);
    return valid;
  }

  showErrors(errors) {
    for (const [name, field] of this.fields) {
      const message = errors[name] || "";
      const slot = $(`e-${name}`);
      if (slot) slot.textContent = message;
      if (message) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
      field.closest(".field")?.classList.toggle("invalid", Boolean(message));
    }
  }

  // While a run is active only the live settings can change; a setting pynn uses only with
  // certain values of another (momentum: the momentum optimizer) is off otherwise; nothing
  // is editable before Python is ready.
  setRunActive(active) {
    this.runActive = active;
    this.updateDisabled();
  }

  setEnabled(enabled) {
    this.enabled = enabled;
    this.updateDisabled();
  }

  updateDisabled() {
    if (this.preset) this.preset.disabled = !this.enabled || this.runActive;
    for (const [name, field] of this.fields) {
      let disabled = !this.enabled;
      if (this.runActive && !this.live.has(name)) disabled = true;
      if (!this.applies(name)) disabled = true;
      field.disabled = disabled;
    }
  }

  // Whether the form's other values make pynn use setting `name` (its `only_when`).
  applies(name) {
    const rule = this.onlyWhen.get(name) || {};
    return Object.entries(rule).every(([other, values]) => values.includes(this.fields.get(other)?.value));
  }
}

// -- building the form ---------------------------------------------------------------------

// One `.field` for one entry of the table: the label (with its ⚡/↻ mark) and its ⓘ button,
// the help (pynn's text; the ⓘ shows and hides it, by click, tap or keyboard), the control
// and the slot for pynn's message. Returns [the .field, the control].
function buildField({ name, kind, label, help, applies, low, high, choices, choice_labels: choiceLabels }) {
  const caption = element("label", { htmlFor: `f-${name}` }, label);
  const mark = MARKS[applies];
  if (mark) {
    const sign = element("span", { className: mark.className, title: mark.title }, mark.text);
    sign.setAttribute("aria-hidden", "true");
    caption.append(" ", sign);
  }
  let control;
  if (kind === "choice") {
    control = element("select");
    control.append(...choices.map((value) => new Option(choiceLabels[value], value)));
  } else if (kind === "sizes" || kind === "arch") {
    control = element("input", { type: "text", autocomplete: "off", spellcheck: false,
                                 placeholder: PLACEHOLDERS[kind] });
  } else {   // number or int
    const whole = kind === "int";
    control = element("input", { type: "number", step: whole ? "1" : "any",
                                 inputMode: whole ? "numeric" : "decimal" });
    if (low !== null && low !== undefined) control.min = String(low);
    if (high !== null && high !== undefined) control.max = String(high);
  }
  Object.assign(control, { id: `f-${name}`, name });
  control.dataset.testid = `field-${name}`;
  control.setAttribute("aria-describedby", `e-${name}`);
  const error = element("small", { id: `e-${name}`, className: "field-error" });
  error.dataset.testid = `error-${name}`;
  const box = element("div", { className: kind === "sizes" || kind === "arch" ? "field wide" : "field" });
  const head = element("div", { className: "field-head" });
  head.append(caption, helpButton(name, label, help, box));
  box.append(head, control, error, box.helpText);
  return [box, control];
}

// The ⓘ after a label: a real button (so a tap, a click, Enter and Space all work) that shows
// the setting's help below the field; Escape in the field or on the button hides it again.
function helpButton(name, label, help, box) {
  const button = element("button", { type: "button", className: "info" }, "i");   // drawn as ⓘ (style.css)
  button.setAttribute("aria-label", `About ${label}`);
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", `h-${name}`);
  button.dataset.testid = `help-${name}`;
  const text = element("p", { id: `h-${name}`, className: "field-help", hidden: true }, help);
  text.dataset.testid = `help-text-${name}`;
  box.helpText = text;
  const show = (open) => {
    text.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    box.classList.toggle("help-open", open);
  };
  button.addEventListener("click", () => show(text.hidden));
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !text.hidden) {
      show(false);
      button.focus();
    }
  });
  return button;
}

// The Preset <select> in its .field box ("custom" when the form matches none).
function presetChooser(names) {
  const select = element("select", { id: "f-preset" });
  select.dataset.testid = "preset";
  select.append(new Option("custom", ""), ...names.map((name) => new Option(name, name)));
  const caption = element("label", { htmlFor: "f-preset", title: "a ready-made recipe: fills the form; Reset builds it" }, "Preset");
  const box = element("div", { className: "field" });
  box.append(caption, select);
  return select;
}

function element(tag, properties = {}, text = "") {
  const node = Object.assign(document.createElement(tag), properties);
  if (text) node.textContent = text;
  return node;
}

// -- the URL hash ------------------------------------------------------------------------
// The form's settings, and `present` (the presentation view, present.js) first when it is on.

const PRESENT = "present";

function hashParams() {
  return new URLSearchParams(window.location.hash.replace(/^#/, ""));
}

// The settings in the hash, or null when it holds none.
export function readHash() {
  const params = hashParams();
  params.delete(PRESENT);
  return params.size ? Object.fromEntries(params.entries()) : null;
}

export function hasPresentFlag() {
  return hashParams().has(PRESENT);
}

export function setPresentFlag(on) {
  const settings = hashParams();
  settings.delete(PRESENT);
  replaceHash(settings, on);
}

export function writeHash(values) {
  replaceHash(new URLSearchParams(values), hasPresentFlag());
}

function replaceHash(settings, present) {
  const text = settings.toString().replaceAll("%2C", ",");
  const url = new URL(window.location.href);
  url.hash = [present ? PRESENT : "", text].filter(Boolean).join("&");
  if (url.href !== window.location.href) history.replaceState(null, "", url);
}
