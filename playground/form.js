// The request form, generated from GET /v1/losses: the loss picker, one control per option
// (with its default), the tensor editors, and reading all of it back as a job.
import { parseTensorText, statistics, shortNumber, tensorToText } from './tensors.js';

/** Choices of the string options whose values the catalogue describes only in words. */
/** Tensors with at most this many elements are put into their editor as text. */
const EDITABLE_ELEMENTS = 20_000;

const $ = (id) => document.getElementById(id);

/** The form: built once from the catalogue, then rebuilt per loss. */
export class JobForm {
  constructor(catalogue) {
    this.catalogue = catalogue;
    this.binary = new Map();   // tensor name -> Tensor loaded from a file or the generator
    const select = $('loss');
    select.replaceChildren(...catalogue.map((loss) => new Option(loss.name, loss.name)));
    select.addEventListener('change', () => this.showLoss());
    this.showLoss();
  }

  /** The catalogue entry of the chosen loss. */
  get loss() { return this.catalogue.find((l) => l.name === $('loss').value); }

  /** Rebuilds the options and tensor editors for the chosen loss, keeping tensor text. */
  showLoss() {
    const loss = this.loss;
    $('loss-description').textContent = `${loss.description}. Targets: ${loss.targets.join(' or ')}.`;
    const fieldset = $('options');
    fieldset.replaceChildren(fieldset.querySelector('legend') || Object.assign(document.createElement('legend'), { textContent: 'Options' }));
    for (const option of loss.options) fieldset.append(this.optionControl(option, loss));
    const extra = document.createElement('div');
    extra.className = 'row option';
    extra.innerHTML = '<label for="opt-extra">Extra options (JSON)</label><input id="opt-extra" spellcheck="false" placeholder=\'{"class_dim": -1}\'>';
    fieldset.append(extra);

    const names = ['input', 'target'];
    if (loss.weight) names.push('weight');
    if (loss.pos_weight) names.push('pos_weight');
    const holder = $('tensors');
    const old = Object.fromEntries([...holder.querySelectorAll('textarea')].map((t) => [t.dataset.name, t.value]));
    holder.replaceChildren(...names.map((name) => this.tensorEditor(name, old[name] ?? '')));
    for (const name of [...this.binary.keys()]) {
      if (!names.includes(name)) this.binary.delete(name); else this.showBinary(name);
    }
  }

  /** The control of one option: a select for enumerations, a checkbox for booleans, else a number or text field. */
  optionControl(option, loss) {
    const row = document.createElement('div');
    row.className = 'row option';
    const id = 'opt-' + option.name;
    const label = Object.assign(document.createElement('label'), { htmlFor: id, textContent: option.name });
    let control;
    const choices = option.enum;  // the catalogue lists the values of every choice option
    if (choices) {
      control = document.createElement('select');
      control.append(...choices.map((c) => new Option(c, c, c === option.default, c === option.default)));
    } else if (typeof option.default === 'boolean') {
      control = Object.assign(document.createElement('input'), { type: 'checkbox', checked: option.default });
    } else if (typeof option.default === 'number') {
      control = Object.assign(document.createElement('input'), { type: 'number', value: String(option.default),
        step: Number.isInteger(option.default) && option.name.endsWith('index') ? '1' : 'any' });
    } else {
      control = Object.assign(document.createElement('input'), { value: String(option.default) });
    }
    control.id = id;
    control.dataset.option = option.name;
    const help = Object.assign(document.createElement('small'), { textContent: `${option.description} (default ${JSON.stringify(option.default)})` });
    row.append(label, control, help);
    return row;
  }

  /** One tensor's editor: a JSON text area that also takes a dropped .npy file. */
  tensorEditor(name, text) {
    const box = document.createElement('div');
    box.className = 'tensor';
    const optional = name === 'weight' || name === 'pos_weight';
    box.innerHTML = `<header><label for="tensor-${name}">${name}</label><span class="shape" id="shape-${name}"></span>
      ${optional ? '<span class="muted">optional</span>' : ''}<button type="button" class="clear" hidden>edit as text</button></header>
      <textarea id="tensor-${name}" spellcheck="false" rows="4" placeholder="${optional ? 'empty: not sent' : 'JSON: nested arrays, or {&quot;shape&quot;: [...], &quot;data&quot;: [...]}'}"></textarea>
      <pre class="pointer-view" id="pointer-${name}" hidden></pre>`;
    const area = box.querySelector('textarea');
    area.dataset.name = name;
    area.value = text;
    area.addEventListener('input', () => this.describe(name));
    box.querySelector('.clear').addEventListener('click', () => this.editAsText(name));
    queueMicrotask(() => this.describe(name));
    return box;
  }

  /** Shows the shape (and stats) of the tensor an editor holds. */
  describe(name) {
    const label = $('shape-' + name);
    if (!label) return;
    const tensor = this.tensor(name);
    if (!tensor) { label.textContent = $('tensor-' + name).value.trim() ? '(not parsed here: lossd will say)' : ''; return; }
    const s = statistics(tensor.data);
    label.textContent = `[${tensor.shape.join(', ')}]${this.binary.has(name) ? ' ' + tensor.dtype : ''}, min ${shortNumber(s.min)}, max ${shortNumber(s.max)}` +
      (s.nan ? `, ${s.nan} NaN` : '') + (s.inf ? `, ${s.inf} ±inf` : '');
  }

  /** The tensor called `name` as the page understands it, or null (empty or unparsable text). */
  tensor(name) {
    if (this.binary.has(name)) return this.binary.get(name);
    const area = $('tensor-' + name);
    return area && area.value.trim() ? parseTensorText(area.value) : null;
  }

  /** Puts `tensor` into its editor: as text when small, else kept binary with a summary. */
  setTensor(name, tensor) {
    if (!$('tensor-' + name)) throw new Error(`${this.loss.name} takes no tensor called ${name}`);
    if (tensor.size <= EDITABLE_ELEMENTS) {
      this.binary.delete(name);
      this.setText(name, tensorToText(tensor, tensor.dtype.startsWith('int') || tensor.dtype === 'uint8'));
    } else {
      this.binary.set(name, tensor);
      this.showBinary(name);
    }
  }

  /** Sets an editor's text (and forgets any binary tensor there). */
  setText(name, text) {
    this.binary.delete(name);
    const area = $('tensor-' + name);
    area.readOnly = false;
    area.value = text;
    area.closest('.tensor').querySelector('.clear').hidden = true;
    this.describe(name);
  }

  showBinary(name) {
    const tensor = this.binary.get(name), area = $('tensor-' + name);
    const s = statistics(tensor.data);
    area.value = `(${tensor.size.toLocaleString('en')} elements kept as binary: [${tensor.shape.join(', ')}] ${tensor.dtype}; ` +
      `mean ${shortNumber(s.mean)}, min ${shortNumber(s.min)}, max ${shortNumber(s.max)})`;
    area.readOnly = true;
    area.closest('.tensor').querySelector('.clear').hidden = false;
    this.describe(name);
  }

  editAsText(name) {
    const tensor = this.binary.get(name);
    if (tensor && tensor.size > EDITABLE_ELEMENTS * 10) { this.setText(name, ''); return; }
    this.setText(name, tensor ? tensorToText(tensor) : '');
  }

  /** Sets the form to a loss, options and tensor texts (used by the examples). */
  fill({ loss, options = {}, extraOptions, tensors }) {
    $('loss').value = loss;
    this.binary.clear();
    this.showLoss();
    for (const control of document.querySelectorAll('[data-option]')) {
      const name = control.dataset.option;
      const value = name in options ? options[name] : this.loss.options.find((o) => o.name === name).default;
      if (control.type === 'checkbox') control.checked = value; else control.value = String(value);
    }
    $('opt-extra').value = extraOptions ? JSON.stringify(extraOptions) : '';
    for (const area of document.querySelectorAll('#tensors textarea')) this.setText(area.dataset.name, tensors[area.dataset.name] ?? '');
  }

  /**
   * The job the form describes: options that differ from their defaults (plus the extra JSON
   * ones), and the non-empty tensors. Throws when the extra options are not a JSON object.
   */
  job() {
    const loss = this.loss;
    const options = {};
    for (const control of document.querySelectorAll('[data-option]')) {
      const option = loss.options.find((o) => o.name === control.dataset.option);
      const value = control.type === 'checkbox' ? control.checked
        : typeof option.default === 'number' ? (control.value.trim() === '' ? NaN : Number(control.value)) : control.value;
      if (value !== option.default && !(typeof value === 'number' && Number.isNaN(value))) options[option.name] = value;
    }
    const extraText = $('opt-extra').value.trim();
    if (extraText) {
      let extra;
      try { extra = JSON.parse(extraText); } catch (e) { throw new Error('Extra options are not JSON: ' + e.message); }
      if (!extra || typeof extra !== 'object' || Array.isArray(extra)) throw new Error('Extra options must be a JSON object');
      Object.assign(options, extra);
    }
    const tensors = {};
    for (const area of document.querySelectorAll('#tensors textarea')) {
      const name = area.dataset.name;
      if (this.binary.has(name)) tensors[name] = { tensor: this.binary.get(name) };
      else if (area.value.trim()) tensors[name] = { text: area.value };
    }
    return { loss: loss.name, options, tensors };
  }
}
