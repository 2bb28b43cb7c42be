// controls.js: the settings form and the URL hash that mirrors it.
//
// The form holds strings; pynn validates them (bridge check_config) and the answer says
// which fields are wrong and whether the change needs a Reset. A valid setup is written
// to the URL hash (#hidden=100,200&lr=0.1&...) so it can be shared and reloaded.

const LABELS = {
  relu: "ReLU", leaky_relu: "Leaky ReLU", sigmoid: "Sigmoid", tanh: "Tanh",
  auto: "auto", small: "small (×0.01)", glorot: "Glorot", he: "He",
  sgd: "SGD", momentum: "SGD + momentum", adam: "Adam",
};
const CHECK_DELAY_MS = 250;   // wait for a pause in typing before asking pynn

export class Controls {
  constructor(form, { check, onValid, onInvalid }) {
    this.form = form;
    this.check = check;          // async (values) => check_config answer
    this.onValid = onValid;      // ({config, needs_reset, values}) => void
    this.onInvalid = onInvalid;  // (errors) => void
    this.fields = new Map([...form.elements].filter((e) => e.name).map((e) => [e.name, e]));
    this.applies = { on_reset: [], live: [], next_run: [] };
    this.runActive = false;
    this.enabled = false;
    this.generation = 0;         // a newer check makes older answers stale
    this.timer = null;
    this.lastValid = null;
    form.addEventListener("input", () => this.schedule());
    form.addEventListener("change", () => this.schedule(0));
    form.addEventListener("submit", (event) => event.preventDefault());
  }

  // From the bridge's `defaults`: the choices of each select and when settings apply.
  setup({ choices, applies }) {
    for (const [name, options] of Object.entries(choices)) {
      const select = this.fields.get(name);
      if (!select) continue;
      select.replaceChildren(...options.map((value) => new Option(LABELS[value] || value, value)));
    }
    this.applies = applies;
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
  }

  schedule(delay = CHECK_DELAY_MS) {
    clearTimeout(this.timer);
    this.updateDisabled();
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
    this.showErrors(answer.valid ? {} : answer.errors);
    if (!answer.valid) {
      this.onInvalid(answer.errors);
      return answer;
    }
    this.lastValid = answer.config;
    writeHash(values);
    const valid = { ...answer, values };
    this.onValid(valid);
    return valid;
  }

  showErrors(errors) {
    for (const [name, field] of this.fields) {
      const message = errors[name] || "";
      const slot = this.form.querySelector(`#e-${name}`);
      if (slot) slot.textContent = message;
      field.toggleAttribute("aria-invalid", Boolean(message));
      field.closest(".field")?.classList.toggle("invalid", Boolean(message));
    }
  }

  // While a run is active only the live settings can change; momentum only matters for
  // the momentum optimizer; nothing is editable before Python is ready.
  setRunActive(active) {
    this.runActive = active;
    this.updateDisabled();
  }

  setEnabled(enabled) {
    this.enabled = enabled;
    this.updateDisabled();
  }

  updateDisabled() {
    const optimizer = this.fields.get("optimizer")?.value;
    for (const [name, field] of this.fields) {
      let disabled = !this.enabled;
      if (this.runActive && !this.applies.live.includes(name)) disabled = true;
      if (name === "momentum" && optimizer !== "momentum") disabled = true;
      field.disabled = disabled;
    }
  }
}

// -- the URL hash ------------------------------------------------------------------------

export function readHash() {
  const hash = window.location.hash.replace(/^#/, "");
  if (!hash) return null;
  const params = new URLSearchParams(hash);
  return Object.fromEntries(params.entries());
}

export function writeHash(values) {
  const params = new URLSearchParams(values).toString().replaceAll("%2C", ",");
  const url = new URL(window.location.href);
  url.hash = params;
  if (url.href !== window.location.href) history.replaceState(null, "", url);
}
