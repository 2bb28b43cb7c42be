// drawpad.js: a canvas to draw a digit on with a mouse, a pen or a finger.
//
// Ink is drawn in black on a transparent canvas, so each pixel's alpha *is* the ink (0 =
// nothing). ink() hands those alpha bytes to whoever asks; pynn turns them into the
// network's 28×28 input (cropping, scaling and centring happen in Python, not here).

import { onceAFrame } from "./coalesce.js";

const PEN_WIDTH = 20;   // in canvas pixels (the canvas is 280×280, ten times MNIST's 28)

export class DrawPad {
  constructor(canvas, { onChange }) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d", { willReadFrequently: true });
    this.onChange = onChange;
    this.points = null;     // the stroke being drawn: the last points, in canvas pixels
    this.changedThisFrame = onceAFrame(() => this.onChange(this));
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    canvas.addEventListener("pointerup", (e) => this.up(e));
    canvas.addEventListener("pointercancel", (e) => this.up(e));
  }

  position(event) {
    const box = this.canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (this.canvas.width / box.width),
            (event.clientY - box.top) * (this.canvas.height / box.height)];
  }

  pen() {
    const ctx = this.ctx;
    ctx.lineWidth = PEN_WIDTH;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    return ctx;
  }

  down(event) {
    if (event.button !== undefined && event.button > 0) return;
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    const [x, y] = this.position(event);
    this.points = [[x, y]];
    const ctx = this.pen();
    ctx.beginPath();
    ctx.arc(x, y, PEN_WIDTH / 2, 0, 2 * Math.PI);
    ctx.fill();
    this.changed();
  }

  move(event) {
    if (this.points === null) return;
    event.preventDefault();
    // Pointer events coalesce fast moves; draw through every recorded point.
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) this.extend(this.position(e));
    this.changed();
  }

  // Smooth strokes: a quadratic curve through the midpoints, with each point as control.
  extend(point) {
    const points = this.points;
    points.push(point);
    if (points.length < 3) {
      const ctx = this.pen();
      ctx.beginPath();
      ctx.moveTo(...points[0]);
      ctx.lineTo(...point);
      ctx.stroke();
      return;
    }
    const [a, b, c] = points.slice(-3);
    const ctx = this.pen();
    ctx.beginPath();
    ctx.moveTo((a[0] + b[0]) / 2, (a[1] + b[1]) / 2);
    ctx.quadraticCurveTo(b[0], b[1], (b[0] + c[0]) / 2, (b[1] + c[1]) / 2);
    ctx.stroke();
    points.splice(0, points.length - 3);
  }

  up(event) {
    if (this.points === null) return;
    const [last] = this.points.slice(-1);
    const ctx = this.pen();
    ctx.beginPath();
    ctx.moveTo(...last);
    ctx.lineTo(...this.position(event));
    ctx.stroke();
    this.points = null;
    this.changed(true);
  }

  // Tell the page at most once per frame while drawing, and always when a stroke ends.
  changed(now = false) {
    if (now) {
      this.onChange(this);
      return;
    }
    this.changedThisFrame();
  }

  clear() {
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.points = null;
  }

  // Put a 28×28 picture (uint8 ink, row by row) on the pad, blown up to fill it.
  show(ink28) {
    const small = new ImageData(28, 28);
    for (let i = 0; i < 784; i++) small.data[i * 4 + 3] = ink28[i];
    const scratch = new OffscreenCanvas(28, 28);
    scratch.getContext("2d").putImageData(small, 0, 0);
    this.clear();
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(scratch, 0, 0, this.canvas.width, this.canvas.height);
    this.changed(true);
  }

  // The ink: width×height alpha bytes, row by row.
  ink() {
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const pixels = new Uint8Array(width * height);
    for (let i = 0; i < pixels.length; i++) pixels[i] = rgba[i * 4 + 3];
    return { pixels, width, height };
  }
}
