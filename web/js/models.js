// models.js: the Model and Data boxes: download / upload / pretrained model, upload a CSV
// or go back to the bundled digits. Files go to pynn untouched; pynn checks them. Which
// pretrained model a button loads is its data-pretrained key; pynn names the models and
// their files (`defaults`' `pretrained`) and the download (`save_model`'s `file_name`).

export class ModelsAndData {
  // elements: {download, pretrained: [buttons], uploadModel, uploadCsv, useDigits}
  constructor(elements, worker, { begin, end, modelChanged, dataChanged, fail, say }) {
    this.el = elements;
    this.worker = worker;
    this.begin = begin;              // (message) => void: a long request starts
    this.end = end;                  // () => void: it is over (whatever happened)
    this.modelChanged = modelChanged;
    this.dataChanged = dataChanged;
    this.fail = fail;                // (message) => void
    this.say = say;                  // (message) => void
    this.models = {};                // pynn's pretrained models by key: {file, what}
    elements.download.addEventListener("click", () => this.download());
    for (const button of elements.pretrained) {
      button.addEventListener("click", () => this.loadPretrained(button.dataset.pretrained));
    }
    elements.uploadModel.addEventListener("change", () => this.uploadModel());
    elements.uploadCsv.addEventListener("change", () => this.uploadCsv());
    elements.useDigits.addEventListener("click", () => this.useDigits());
  }

  // From the bridge's `defaults`.
  setPretrained(models) {
    this.models = models;
  }

  async download() {
    try {
      const { data, file_name: fileName } = await this.worker.request("save_model");
      const url = URL.createObjectURL(new Blob([data], { type: "application/octet-stream" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = fileName;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      this.say(`Saved ${link.download}: it loads in Python with pynn.load("${link.download}")`);
    } catch (error) {
      this.fail(`Could not save the model: ${error.message}`);
    }
  }

  async uploadModel() {
    const input = this.el.uploadModel;
    const file = input.files[0];
    input.value = "";   // choosing the same file again must fire "change" again
    if (!file) return;
    await this.replaceModel(file.name, () => this.worker.request("load_model", { data: file, name: file.name }));
  }

  async loadPretrained(which) {
    const name = this.models[which]?.what ?? which;
    await this.replaceModel(name, () => this.worker.request("load_pretrained", { which }));
  }

  // send(): the request that replaces the model; `name` words it.
  async replaceModel(name, send) {
    this.begin(`Loading ${name}…`);
    try {
      this.modelChanged(await send(), `Loaded ${name}`);
    } catch (error) {
      this.fail(`${name} was not loaded (the current model is unchanged): ${error.message}`);
    } finally {
      this.end();
    }
  }

  async uploadCsv() {
    const input = this.el.uploadCsv;
    const file = input.files[0];
    input.value = "";
    if (!file) return;
    this.begin(`Reading ${file.name}…`);
    try {
      // The File goes to the worker, which reads it: the page never holds a 110 MB copy.
      const answer = await this.worker.request("load_csv", { data: file, name: file.name });
      this.dataChanged(answer.data, `Training data: ${file.name}`);
    } catch (error) {
      this.fail(`${file.name} was not used (the data is unchanged): ${error.message}`);
    } finally {
      this.end();
    }
  }

  async useDigits() {
    this.begin("Loading the bundled digits…");
    try {
      const answer = await this.worker.request("use_digits");
      this.dataChanged(answer.data, "Training data: the bundled digits");
    } catch (error) {
      this.fail(error.message);
    } finally {
      this.end();
    }
  }

  setEnabled(enabled, { customData }) {
    const { download, pretrained, uploadModel, uploadCsv, useDigits } = this.el;
    for (const button of [download, ...pretrained]) button.disabled = !enabled;
    useDigits.disabled = !enabled || !customData;
    for (const input of [uploadModel, uploadCsv]) {
      input.disabled = !enabled;
      input.labels[0].classList.toggle("disabled", !enabled);
      input.labels[0].setAttribute("aria-disabled", String(!enabled));
    }
  }
}
