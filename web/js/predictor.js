// predictor.js: the drawing pad and what the network thinks of it.
//
// Every stroke asks the worker for a prediction (one in flight at most, the newest drawing
// next: coalesce.js); an answer for a drawing that was cleared meanwhile is dropped. While
// training, the page calls refresh() so that the prediction follows the newest weights.

import { coalesced } from "./coalesce.js";
import { DrawPad } from "./drawpad.js";
import { Probabilities } from "./probabilities.js";

const REPREDICT_MS = 1000;   // while training, the drawing is re-read with the newest weights

export class Predictor {
  constructor({ pad, clear, list, prediction, preview, caption }, worker, { isReady, onError, onAnswer }) {
    this.probabilities = new Probabilities({ list, prediction, preview, caption });
    this.version = 0;     // a cleared drawing makes answers in flight stale
    this.hasInk = false;
    this.last = 0;        // performance.now() of the last request
    this.predict = coalesced(async () => {
      if (!isReady() || !this.hasInk) return;
      this.last = performance.now();
      const version = this.version;
      const { pixels, width, height } = this.pad.ink();
      try {
        const answer = await worker.request("predict", { pixels, width, height }, [pixels.buffer]);
        if (version !== this.version) return;
        if (answer.empty) this.probabilities.clear();
        else this.probabilities.show(answer);
        onAnswer(answer.empty ? null : answer);
      } catch (error) {
        onError(`Could not read the drawing: ${error.message}`);
      }
    });
    this.pad = new DrawPad(pad, {
      onChange: () => {
        this.hasInk = true;
        this.predict();
      },
    });
    clear.addEventListener("click", () => {
      this.pad.clear();
      this.version += 1;
      this.hasInk = false;
      this.probabilities.clear();
      onAnswer(null);
    });
  }

  // Show a picture (a gallery digit) on the pad; it is predicted like a drawing.
  show(ink) {
    this.pad.show(ink);
  }

  // During training: predict again if the last prediction is older than REPREDICT_MS.
  refresh() {
    if (performance.now() - this.last > REPREDICT_MS) this.predict();
  }
}
