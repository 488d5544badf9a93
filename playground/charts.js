// Drawn answers: heatmaps (diverging colours for gradients, sequential for probabilities) and
// bar charts of per-sample loss, on canvas, with values on hover and arrow-key navigation.
// Large tensors are capped to their first rows and columns; the caption says so.
import { shortNumber, formatNumber } from './tensors.js';

/** Shown at most, so that a 4096x32000 answer stays responsive. */
export const MAX_ROWS = 64, MAX_COLS = 128, MAX_BARS = 256;
const WIDTH = 420;

/** Colour of `x` on a white-centred blue/red scale, |x| <= limit. */
export function diverging(x, limit) {
  if (Number.isNaN(x)) return '#111111';
  if (!Number.isFinite(x)) return '#ff00ff';
  const t = limit > 0 ? Math.max(-1, Math.min(1, x / limit)) : 0;
  const [r, g, b] = t < 0 ? [33, 102, 172] : [178, 24, 43];
  const a = Math.abs(t);
  return `rgb(${Math.round(255 + (r - 255) * a)},${Math.round(255 + (g - 255) * a)},${Math.round(255 + (b - 255) * a)})`;
}

/** Colour of `x` in [0, top] from white to dark blue. */
export function sequential(x, top = 1) {
  if (Number.isNaN(x)) return '#111111';
  if (!Number.isFinite(x)) return '#ff00ff';
  const t = Math.max(0, Math.min(1, x / top));
  return `rgb(${Math.round(255 - 247 * t)},${Math.round(255 - 207 * t)},${Math.round(255 - 148 * t)})`;
}

/** The plural of a row or column name ("sample" → "samples", "class" → "classes"). */
const plural = (name) => name + (name.endsWith('s') ? 'es' : 's');

const tooltip = () => document.getElementById('tooltip');

/**
 * A canvas of `rows` x `cols` cells that shows a cell's description on hover and under the
 * arrow keys: `paint(ctx, cellWidth, cellHeight)` draws it, `describe(r, c)` names a cell.
 */
class CellCanvas {
  constructor({ rows, cols, cellWidth, cellHeight, paint, describe, label, marksColumns = false }) {
    Object.assign(this, { rows, cols, cellWidth, cellHeight, paint, describe, marksColumns });
    this.canvas = Object.assign(document.createElement('canvas'), { width: cols * cellWidth, height: rows * cellHeight, tabIndex: 0 });
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label + ' (arrow keys read the values)');
    this.output = document.createElement('output');
    this.cursor = null;
    this.marked = new Set();
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => { tooltip().hidden = true; });
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    this.canvas.addEventListener('focus', () => { if (!this.cursor) this.moveTo(0, 0); });
    this.draw();
  }

  draw() {
    const ctx = this.canvas.getContext('2d');
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.paint(ctx, this.cellWidth, this.cellHeight);
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#f59e0b';
    for (const i of this.marked) {
      if (this.marksColumns) ctx.strokeRect(i * this.cellWidth + 1, 1, this.cellWidth - 2, this.canvas.height - 2);
      else ctx.strokeRect(1, i * this.cellHeight + 1, this.canvas.width - 2, this.cellHeight - 2);
    }
    if (this.cursor) {
      ctx.strokeStyle = '#000';
      ctx.strokeRect(this.cursor[1] * this.cellWidth + 1, this.cursor[0] * this.cellHeight + 1, this.cellWidth - 2, this.cellHeight - 2);
    }
  }

  cellAt(event) {
    const box = this.canvas.getBoundingClientRect();
    const c = Math.floor(((event.clientX - box.left) / box.width) * this.cols);
    const r = Math.floor(((event.clientY - box.top) / box.height) * this.rows);
    return r >= 0 && r < this.rows && c >= 0 && c < this.cols ? [r, c] : null;
  }

  hover(event) {
    const cell = this.cellAt(event);
    const tip = tooltip();
    if (!cell) { tip.hidden = true; return; }
    const text = this.describe(...cell);
    this.output.value = text;
    tip.textContent = text;
    tip.hidden = false;
    tip.style.left = event.clientX + 12 + 'px';
    tip.style.top = event.clientY + 12 + 'px';
  }

  key(event) {
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const [r, c] = this.cursor || [0, 0];
    this.moveTo(Math.max(0, Math.min(this.rows - 1, r + move[0])), Math.max(0, Math.min(this.cols - 1, c + move[1])));
  }

  moveTo(r, c) {
    this.cursor = [r, c];
    this.output.value = this.describe(r, c);
    this.draw();
  }

  /** Outlines sample `i` (a warning's example: a row, or a bar), or clears the outlines when `i` is null. */
  mark(i) {
    this.marked = new Set(i === null || i >= (this.marksColumns ? this.cols : this.rows) ? [] : [i]);
    this.canvas.dataset.marked = [...this.marked].join(',');
    this.draw();
  }
}

/** A figure: title, note line, optional legend, the canvas and its value readout. */
function figure(title, note, cells, legend) {
  const box = document.createElement('figure');
  box.className = 'chart';
  box.innerHTML = `<h3></h3><p class="note"></p>`;
  box.querySelector('h3').textContent = title;
  box.querySelector('.note').textContent = note;
  if (legend) box.append(legend);
  box.append(cells.canvas, cells.output);
  box.cells = cells;
  return box;
}

function legendOf(colour, low, high, text) {
  const legend = document.createElement('div');
  legend.className = 'legend';
  const bar = Object.assign(document.createElement('canvas'), { width: 140, height: 10 });
  const ctx = bar.getContext('2d');
  for (let i = 0; i < 140; i++) { ctx.fillStyle = colour(low + ((high - low) * (i + 0.5)) / 140); ctx.fillRect(i, 0, 1, 10); }
  legend.append(shortNumber(low), bar, shortNumber(high), ' · ' + text);
  return legend;
}

/**
 * A heatmap of `matrix` ({rows, cols, at(r, c), rowName, colName}) capped to MAX_ROWS x
 * MAX_COLS; `kind` is 'diverging' (symmetric about 0, limit = the largest finite |x| of
 * `stats`) or 'sequential' (0 to 1).
 */
export function heatmap({ title, matrix, kind, stats }) {
  const rows = Math.min(matrix.rows, MAX_ROWS), cols = Math.min(matrix.cols, MAX_COLS);
  // Diverging: symmetric about 0 up to the largest |x|; sequential: 0 up to the largest x
  // (so that 32000 small probabilities do not all look white).
  const limit = (kind === 'diverging' ? Math.max(Math.abs(stats.min), Math.abs(stats.max)) : stats.max) || 1;
  const colour = kind === 'diverging' ? (x) => diverging(x, limit) : (x) => sequential(x, limit);
  const cellWidth = Math.max(3, Math.min(56, Math.floor(WIDTH / cols)));
  const cellHeight = Math.max(4, Math.min(40, Math.floor(320 / rows)));
  const cells = new CellCanvas({
    rows, cols, cellWidth, cellHeight, label: title,
    paint(ctx, w, h) {
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
        ctx.fillStyle = colour(matrix.at(r, c));
        ctx.fillRect(c * w, r * h, w, h);
      }
    },
    describe: (r, c) => `${matrix.rowName} ${r}, ${matrix.colName} ${c}: ${formatNumber(matrix.at(r, c))}`,
  });
  const capped = rows < matrix.rows || cols < matrix.cols
    ? `showing ${rows} of ${matrix.rows} ${plural(matrix.rowName)} and ${cols} of ${matrix.cols} ${plural(matrix.colName)}; ` : '';
  const note = `${capped}all ${stats.count.toLocaleString('en')} values: min ${shortNumber(stats.min)}, max ${shortNumber(stats.max)}, mean ${shortNumber(stats.mean)}` +
    (stats.nan ? `, ${stats.nan} NaN (black)` : '') + (stats.inf ? `, ${stats.inf} infinite (magenta)` : '');
  const legend = kind === 'diverging' ? legendOf(colour, -limit, limit, 'blue negative, red positive')
    : legendOf(colour, 0, limit, 'probability');
  return figure(title, note, cells, legend);
}

/** A bar chart of `values` (one per sample or token), capped to MAX_BARS. */
export function bars({ title, values, stats, itemName }) {
  const count = Math.min(values.length, MAX_BARS);
  const cellWidth = Math.max(2, Math.min(64, Math.floor(WIDTH / count)));
  const height = 140;
  const top = Math.max(stats.max, 0) || 1, bottom = Math.min(stats.min, 0);
  const y = (v) => ((top - v) / (top - bottom)) * (height - 4) + 2;
  const cells = new CellCanvas({
    rows: 1, cols: count, cellWidth, cellHeight: height, label: title, marksColumns: true,
    paint(ctx, w) {
      for (let i = 0; i < count; i++) {
        const v = values[i];
        if (!Number.isFinite(v)) {
          ctx.fillStyle = Number.isNaN(v) ? '#111111' : '#ff00ff';
          ctx.fillRect(i * w, 0, Math.max(1, w - 1), height);
          continue;
        }
        ctx.fillStyle = '#2563eb';
        const a = y(Math.max(v, 0)), b = y(Math.min(v, 0));
        ctx.fillRect(i * w, a, Math.max(1, w - 1), Math.max(1, b - a));
      }
    },
    describe: (_, i) => `${itemName} ${i}: ${formatNumber(values[i])}`,
  });
  const note = (count < values.length ? `showing ${count} of ${values.length} ${plural(itemName)}; ` : '') +
    `all ${stats.count.toLocaleString('en')}: min ${shortNumber(stats.min)}, max ${shortNumber(stats.max)}, mean ${shortNumber(stats.mean)}` +
    (stats.nan ? `, ${stats.nan} NaN (black bars)` : '');
  return figure(title, note, cells);
}
