// Tensors in the page: parsing the JSON an editor holds, random generation with a seed,
// and statistics that summarise a tensor too large to show whole.

/** A tensor: `shape` (array of sizes) and `data` (flat, row-major numbers). */
export class Tensor {
  constructor(shape, data, dtype) {
    this.shape = shape;
    this.data = data;
    this.dtype = dtype || (data instanceof Float64Array ? 'float64' : 'float32');
  }
  get size() { return this.data.length; }
}

/** The number a JSON element stands for ("NaN", "Infinity", "-Infinity" included). */
export function numberOf(element) {
  if (typeof element === 'number') return element;
  if (element === 'NaN') return NaN;
  if (element === 'Infinity' || element === '+Infinity') return Infinity;
  if (element === '-Infinity') return -Infinity;
  return NaN;
}

/**
 * Parses editor text as lossd reads it: nested arrays, a bare number, or
 * {"shape": [...], "data": [...]}. Bare NaN / Infinity (as Python writes them) are accepted.
 * Returns null when the text is not such a tensor (the server then says why).
 */
export function parseTensorText(text) {
  let value;
  try {
    value = JSON.parse(text.replace(/(^|[\[,:\s])(-?)(NaN|Infinity)(?=[\s,\]}]|$)/g, '$1"$2$3"'));
  } catch {
    return null;
  }
  return tensorOfJSON(value);
}

/** A tensor from a decoded JSON value (nested arrays, scalar, or shape/data object), or null. */
export function tensorOfJSON(value) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if (!Array.isArray(value.shape) || !Array.isArray(value.data)) return null;
    return new Tensor(value.shape.slice(), Float64Array.from(value.data, numberOf), value.dtype);
  }
  const shape = [];
  for (let level = value; Array.isArray(level); level = level[0]) shape.push(level.length);
  const flat = shape.length ? value.flat(shape.length - 1) : [value];
  if (flat.some(Array.isArray)) return null;
  const expected = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== expected) return null;
  return new Tensor(shape, Float64Array.from(flat, numberOf), 'float32');
}

/** Nested-array JSON text of `tensor`, with non-finite numbers as lossd's strings. */
export function tensorToText(tensor, integer = false) {
  const single = tensor.data instanceof Float32Array;
  const write = (x) => Number.isNaN(x) ? '"NaN"' : x === Infinity ? '"Infinity"' : x === -Infinity ? '"-Infinity"'
    : integer ? String(Math.trunc(x)) : floatText(x, single);
  if (tensor.shape.length === 0) return write(tensor.data[0]);
  let offset = 0;
  const level = (dim) => {
    const parts = [];
    for (let i = 0; i < tensor.shape[dim]; i++) {
      parts.push(dim === tensor.shape.length - 1 ? write(tensor.data[offset++]) : level(dim + 1));
    }
    return '[' + parts.join(', ') + ']';
  };
  const text = level(0);
  return tensor.shape.length > 1 ? text.replace(/\], \[/g, '],\n [') : text;
}

/** The shortest decimal text that reads back as the float32 `x` (as lossd writes float32). */
export function float32Text(x) {
  if (!Number.isFinite(x)) return formatNumber(x);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return String(candidate);
  }
  return String(x);
}

/** `x` as a float literal ("1.0", not "1"); for float32 data the shortest digits that give `x` back. */
function floatText(x, single) {
  const text = single ? float32Text(x) : String(x);
  return /[.eE]/.test(text) ? text : text + '.0';
}

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random logits of `shape` (normal, standard deviation `scale`) and class-index targets of
 * the matching shape (dim 1 is the class dim), from `seed`.
 */
export function generateLogits(shape, seed, scale) {
  const random = seededRandom(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const input = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    // Box-Muller: two normals from two uniforms.
    const r = Math.sqrt(-2 * Math.log(1 - random())), angle = 2 * Math.PI * random();
    input[i] = scale * r * Math.cos(angle);
    if (i + 1 < size) input[i + 1] = scale * r * Math.sin(angle);
  }
  const classes = shape.length > 1 ? shape[1] : 2;
  const targetShape = shape.length > 1 ? [shape[0], ...shape.slice(2)] : [shape[0]];
  const targetSize = targetShape.reduce((a, b) => a * b, 1);
  const target = new Float64Array(targetSize);
  for (let i = 0; i < targetSize; i++) target[i] = Math.floor(random() * classes);
  return { input: new Tensor(shape, input, 'float32'), target: new Tensor(targetShape, target, 'int64') };
}

/** Count, finite min, max, mean and the number of NaN and infinite elements of `data`. */
export function statistics(data) {
  let min = Infinity, max = -Infinity, sum = 0, finite = 0, nan = 0, inf = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (Number.isNaN(x)) nan++;
    else if (!Number.isFinite(x)) inf++;
    else { finite++; sum += x; if (x < min) min = x; if (x > max) max = x; }
  }
  return { count: data.length, min, max, mean: finite ? sum / finite : NaN, nan, inf };
}

/** `x` for display: shortest digits that give back the number, and lossd's spelling of non-finite. */
export function formatNumber(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return String(x);
}

/** `x` with at most 4 significant digits, for labels. */
export function shortNumber(x) {
  if (!Number.isFinite(x)) return formatNumber(x);
  return Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : String(+x.toPrecision(4));
}
