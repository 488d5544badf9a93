// The answer, drawn: one column per request (value, status, Server-Timing, what PyTorch
// would return), warnings as cards whose examples outline rows in the charts, per-sample bars,
// and heatmaps of the probabilities and of the gradient.
import { statistics, tensorOfJSON, numberOf, formatNumber, float32Text, shortNumber, Tensor } from './tensors.js';
import { heatmap, bars } from './charts.js';

/** Losses whose input has classes in dim 1. */
const CLASS_LOSSES = new Set(['cross_entropy', 'nll_loss']);

const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

/** A value or gradient from an answer (number, "NaN", nested arrays, shape/data, Tensor) as a Tensor. */
export function answerTensor(value) {
  if (value === undefined || value === null) return null;
  if (value instanceof Tensor) return value;
  if (typeof value === 'number' || typeof value === 'string') return new Tensor([], Float64Array.of(numberOf(value)));
  return tensorOfJSON(value);
}

/**
 * A rows x cols view of `tensor` for heatmaps: for class losses one row per sample (or token)
 * and one column per class, the class dim being `classDim`; otherwise dim 0 by the rest.
 */
export function matrixView(tensor, loss, classDim) {
  const shape = tensor.shape.length ? tensor.shape : [1];
  if (CLASS_LOSSES.has(loss) && shape.length >= 2) {
    const dim = classDim < 0 ? shape.length + classDim : classDim;
    const C = shape[dim];
    const before = shape.slice(0, dim).reduce((a, b) => a * b, 1);
    const after = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return { rows: before * after, cols: C, rowName: shape.length > 2 ? 'position' : 'sample', colName: 'class',
      at: (r, c) => tensor.data[Math.floor(r / after) * C * after + c * after + (r % after)] };
  }
  const cols = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : shape[0];
  const rows = shape.length > 1 ? shape[0] : 1;
  return { rows, cols, rowName: shape.length > 1 ? 'row' : 'row', colName: shape.length > 1 ? 'column' : 'element',
    at: (r, c) => tensor.data[r * cols + c] };
}

/** Probabilities the input stands for (softmax over classes, exp, sigmoid), or null. */
export function probabilities(input, loss, options, classDim) {
  if (!input) return null;
  const data = input.data;
  if (loss === 'cross_entropy' && input.shape.length >= 1) {
    const shape = input.shape.length === 1 ? [1, input.shape[0]] : input.shape;
    const view = matrixView(new Tensor(shape, data), loss, input.shape.length === 1 ? 1 : classDim);
    const T = options.temperature ?? 1;
    const out = new Float64Array(view.rows * view.cols);
    for (let r = 0; r < view.rows; r++) {
      let m = -Infinity;
      for (let c = 0; c < view.cols; c++) m = Math.max(m, view.at(r, c) / T);
      let sum = 0;
      for (let c = 0; c < view.cols; c++) sum += Math.exp(view.at(r, c) / T - m);
      for (let c = 0; c < view.cols; c++) out[r * view.cols + c] = Math.exp(view.at(r, c) / T - m) / sum;
    }
    return { title: `softmax(input${T !== 1 ? ' / ' + T : ''}) over classes`, tensor: new Tensor([view.rows, view.cols], out), flat: true, view };
  }
  const map = loss === 'nll_loss' ? Math.exp
    : loss === 'binary_cross_entropy_with_logits' || loss === 'sigmoid_focal_loss' ? (x) => 1 / (1 + Math.exp(-x))
    : loss === 'binary_cross_entropy' ? (x) => x : null;
  if (!map) return null;
  const title = { nll_loss: 'exp(input): probabilities if input is log-probabilities', binary_cross_entropy: 'input (probabilities)' }[loss] || 'sigmoid(input)';
  return { title, tensor: new Tensor(input.shape, Float64Array.from(data, map)) };
}

/** `node` with its id set to `id`. */
const identified = (id, node) => Object.assign(node, { id });

/** One column: the answer to one request. */
function answerColumn(run, index) {
  const { label, result } = run;
  const box = el('div', 'answer');
  box.id = `answer-${index}`;
  box.dataset.status = String(result.status);
  box.append(el('h3', null, label));
  const body = result.body || {};
  if (result.status === 200) {
    const value = answerTensor(body.value);
    const valueNode = el('div', 'value');
    valueNode.id = `value-${index}`;
    if (value && value.shape.length === 0) {
      // A safetensors answer holds float32 bits: shown with lossd's own (shortest) digits.
      valueNode.textContent = value.data instanceof Float32Array ? float32Text(value.data[0]) : formatNumber(value.data[0]);
      if (!Number.isFinite(value.data[0])) valueNode.classList.add('nan');
    } else if (value) {
      const s = statistics(value.data);
      valueNode.textContent = `[${value.shape.join(', ')}]`;
      valueNode.title = `min ${shortNumber(s.min)}, max ${shortNumber(s.max)}, mean ${shortNumber(s.mean)}`;
    }
    box.append(valueNode);
    const dl = el('dl');
    const add = (k, v) => { dl.append(el('dt', null, k), el('dd', null, v)); };
    add('dtype', body.dtype || value?.dtype || '');
    const grad = answerTensor(body.grad);
    if (grad) {
      const s = statistics(grad.data);
      add('grad', `[${grad.shape.join(', ')}], max |g| ${shortNumber(Math.max(Math.abs(s.min), Math.abs(s.max)))}` + (s.nan ? `, ${s.nan} NaN` : ''));
    }
    const diagnostics = body.diagnostics || {};
    for (const [k, v] of Object.entries(diagnostics.pytorch || {})) add('PyTorch: ' + k, Array.isArray(v) ? v.join(', ') : formatNumber(numberOf(v)));
    const warnings = (diagnostics.warnings || []).map((w) => w.code);
    add('warnings', warnings.length ? warnings.join(', ') : 'none');
    box.append(dl);
  } else {
    box.classList.add('is-error');
    box.append(el('div', 'code', `${result.status} ${body.code || ''}`), el('p', 'detail', body.detail || ''));
    const pointers = (body.errors || []).map((e) => e.pointer).filter((p) => p !== undefined);
    if (pointers.length) {
      const list = el('p', 'pointers', 'At ');
      for (const pointer of pointers) {
        const link = el('button', 'pointer-link', pointer);
        link.type = 'button';
        link.dataset.pointer = pointer;
        list.append(link, ' ');
      }
      box.append(list);
    }
  }
  const timing = el('div', 'timing');
  timing.setAttribute('aria-label', 'Server-Timing');
  for (const t of result.timing) timing.append(el('span', null, `${t.name} ${t.ms} ms`));
  timing.append(el('span', null, `round trip ${result.roundTripMs.toFixed(1)} ms`));
  box.append(timing);
  return box;
}

/** Warning cards of `diagnostics`; clicking an example outlines that row in every chart. */
function warningCards(diagnostics, onExample) {
  return (diagnostics?.warnings || []).map((w) => {
    const card = el('article', 'card');
    card.dataset.code = w.code;
    card.append(el('span', 'count', `${w.count}×`), el('div', 'code', w.code), el('p', null, w.message));
    if (w.examples?.length) {
      const examples = el('div', 'examples', 'Examples: ');
      for (const index of w.examples) {
        const button = el('button', null, String(index));
        button.type = 'button';
        button.title = `Outline row ${index} in the charts`;
        button.addEventListener('click', () => onExample(index));
        examples.append(button);
      }
      card.append(examples);
    }
    return card;
  });
}

/**
 * Draws `runs` ([{label, request, result}], the first being lossd's own) and the charts:
 * `perSample` the reduction-none answer (or null), `input` the input tensor the page parsed.
 */
export function renderAnswers({ runs, perSample, input, job }) {
  const answers = document.getElementById('answers');
  answers.replaceChildren(...runs.map(answerColumn));
  const main = runs[0].result;
  const charts = [];
  const classDim = job.options.class_dim ?? 1;
  const markAll = (r) => { for (const c of charts) c.cells.mark(r); };
  document.getElementById('warnings').replaceChildren(...(main.status === 200 ? warningCards(main.body.diagnostics, markAll) : []));

  if (main.status === 200) {
    const value = answerTensor(main.body.value);
    const perItem = value && value.shape.length ? value : answerTensor(perSample?.body?.value);
    if (perItem && perItem.shape.length && perItem.size > 0) {
      charts.push(identified('chart-bars', bars({ title: 'Loss per ' + (perItem.shape.length > 1 ? 'token' : 'sample') + ' (reduction none)',
        values: perItem.data, stats: statistics(perItem.data), itemName: perItem.shape.length > 1 ? 'token' : 'sample' })));
    }
    const p = probabilities(input, job.loss, job.options, classDim);
    if (p) {
      const matrix = p.flat ? { ...p.view, at: (r, c) => p.tensor.data[r * p.view.cols + c] } : matrixView(p.tensor, job.loss, classDim);
      charts.push(identified('chart-probabilities', heatmap({ title: p.title, matrix, kind: 'sequential', stats: statistics(p.tensor.data) })));
    }
    const grad = answerTensor(main.body.grad);
    if (grad && grad.size > 0) {
      charts.push(identified('chart-gradient', heatmap({ title: 'Gradient d loss / d input', matrix: matrixView(grad, job.loss, classDim), kind: 'diverging', stats: statistics(grad.data) })));
      const twin = runs[1]?.result.status === 200 ? answerTensor(runs[1].result.body.grad) : null;
      if (twin && twin.size === grad.size && twin.data.some((x, i) => x !== grad.data[i] && !(Number.isNaN(x) && Number.isNaN(grad.data[i])))) {
        charts.push(identified('chart-gradient-pytorch', heatmap({ title: 'Gradient with compat pytorch (differs)',
          matrix: matrixView(twin, job.loss, classDim), kind: 'diverging', stats: statistics(twin.data) })));
      }
    }
  }
  document.getElementById('charts').replaceChildren(...charts);
}
