// pictures.js: paint byte pictures that pynn produced onto canvases: 28×28 digits and
// weight maps, a convnet's k×k filters and its first layer's feature maps.
//
// Digits and feature maps are ink (0 = paper, 255 = black ink); weight maps are 0–255 with
// 128 = a zero weight (pynn scales them). Here bytes only become colours.

const SIDE = 28;

// Ink on paper: paper colour to ink colour, one entry per byte value.
const INK = palette([[0, [255, 255, 255]], [255, [24, 28, 40]]]);
// Weights: blue (negative) – white (zero) – red (positive), like a diverging colour map.
const WEIGHTS = palette([[0, [33, 102, 172]], [128, [247, 247, 247]], [255, [178, 24, 43]]]);

function palette(stops) {
  const table = new Uint8ClampedArray(256 * 3);
  for (let v = 0; v < 256; v++) {
    const upper = stops.findIndex(([at]) => at >= v);
    const [a, ca] = stops[Math.max(0, upper - 1)];
    const [b, cb] = stops[upper];
    const t = b === a ? 1 : (v - a) / (b - a);
    for (let k = 0; k < 3; k++) table[v * 3 + k] = ca[k] + (cb[k] - ca[k]) * t;
  }
  return table;
}

function paint(canvas, bytes, table, offset = 0, side = SIDE) {
  if (canvas.width !== side || canvas.height !== side) {
    canvas.width = side;
    canvas.height = side;
  }
  const image = new ImageData(side, side);
  for (let i = 0; i < side * side; i++) {
    const v = bytes ? bytes[offset + i] : 0;
    image.data.set(table.subarray(v * 3, v * 3 + 3), i * 4);
    image.data[i * 4 + 3] = 255;
  }
  canvas.getContext("2d").putImageData(image, 0, 0);
}

// A digit; `bytes` may hold many digits, `index` picks one. null paints blank paper.
export function paintDigit(canvas, bytes, index = 0) {
  paint(canvas, bytes, INK, index * SIDE * SIDE);
}

// Weights (signed colour map) of `side`×`side` pictures: first-layer units or filters.
export function paintWeights(canvas, bytes, index = 0, side = SIDE) {
  paint(canvas, bytes, WEIGHTS, index * side * side, side);
}

// A feature map: how strongly each place of the drawing excites one filter.
export function paintMap(canvas, bytes, index, side) {
  paint(canvas, bytes, INK, index * side * side, side);
}

// Many small pictures in one canvas: `count` tiles of `side`×`side` bytes (feature maps), or
// with `side` 0, `count` single values as squares (a layer's units), `columns` to a row, one
// pixel of paper between tiles. `signed`: the weights' colours (128 = zero), else ink.
export function paintTiles(canvas, bytes, { count, side, columns, signed }) {
  const tile = Math.max(side, 1);
  const rows = Math.ceil(count / columns);
  const width = columns * (tile + 1) - 1;
  const height = rows * (tile + 1) - 1;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const table = signed ? WEIGHTS : INK;
  const image = new ImageData(width, height);
  image.data.fill(255);
  for (let k = 0; k < count; k++) {
    const left = (k % columns) * (tile + 1);
    const top = Math.floor(k / columns) * (tile + 1);
    for (let i = 0; i < tile * tile; i++) {
      const v = bytes[k * tile * tile + i];
      const at = ((top + Math.floor(i / tile)) * width + left + (i % tile)) * 4;
      image.data.set(table.subarray(v * 3, v * 3 + 3), at);
    }
  }
  canvas.getContext("2d").putImageData(image, 0, 0);
}

// The colours of a scale bar, as CSS: ink (paper to black) or the weights' (blue–white–red).
export function scaleGradient(signed) {
  const table = signed ? WEIGHTS : INK;
  const stops = [0, 64, 128, 192, 255].map((v) => `rgb(${table[v * 3]}, ${table[v * 3 + 1]}, ${table[v * 3 + 2]})`);
  return `linear-gradient(to right, ${stops.join(", ")})`;
}

export { SIDE };
