// The playground's wiring: token, catalogue, form, examples, running a job (with its compat
// pytorch twin and its per-sample twin), error pointers, files, generator and "Copy as".
import { buildRequest, send, fetchCatalogue } from './api.js';
import { JobForm } from './form.js';
import { EXAMPLES } from './examples.js';
import { renderAnswers } from './render.js';
import { snippet } from './copyas.js';
import { showPointer, clearPointers } from './pointer.js';
import { generateLogits } from './tensors.js';
import { readNpy, readSafetensors } from './files.js';

const $ = (id) => document.getElementById(id);
let form = null;
let runCount = 0;
let lastRequest = null;
let copyFormat = 'curl';

const token = () => $('token').value.trim();

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('code', isError);
}

/** Loads GET /v1/losses and builds the form; asks for a token when lossd wants one. */
async function loadCatalogue() {
  try {
    form = new JobForm(await fetchCatalogue(token()));
    setStatus('Choose a trap above, or fill in the request and press Compute.');
    document.body.dataset.ready = 'true';
  } catch (error) {
    setStatus(error.status === 401 ? 'This lossd requires a bearer token: enter it above.' : String(error.message), true);
  }
}

/** Runs the form's job; with `compare` also with compat pytorch. */
async function run(compare) {
  if (!form) return;
  clearPointers();
  let job;
  try { job = form.job(); } catch (error) { setStatus(error.message, true); return; }
  const runs = [{ label: job.options.compat === 'pytorch' ? 'lossd, compat pytorch' : 'lossd (compat ' + (job.options.compat || 'safe') + ')', job }];
  if (compare && job.options.compat !== 'pytorch') {
    runs.push({ label: 'compat pytorch: what PyTorch returns', job: { ...job, options: { ...job.options, compat: 'pytorch' } } });
  }
  const panel = $('answer-panel');
  panel.dataset.state = 'running';
  setStatus('Computing…');
  try {
    for (const r of runs) r.request = buildRequest(r.job, token());
    for (const r of runs) r.result = await send(r.request);
    let perSample = null;
    const reduction = job.options.reduction || 'mean';
    if (runs[0].result.status === 200 && reduction !== 'none') {
      perSample = await send(buildRequest({ ...job, options: { ...job.options, reduction: 'none' }, outputs: ['value'] }, token()));
    }
    renderAnswers({ runs, perSample, input: form.tensor('input'), job });
    const main = runs[0].result;
    setStatus(main.status === 200 ? `${job.loss}: answered 200 (request ${main.requestId})`
      : `${job.loss}: answered ${main.status} ${main.body.code || ''} (request ${main.requestId})`, main.status !== 200);
    const firstPointer = (main.body.errors || [])[0]?.pointer;
    if (firstPointer !== undefined) showPointer(firstPointer, false);
    lastRequest = runs[0].request;
    showSnippet();
  } catch (error) {
    setStatus('Request failed: ' + error.message, true);
  }
  panel.dataset.run = String(++runCount);
  panel.dataset.state = 'done';
}

/** Runs what the person put in the form (no example's explanation). */
function runForm() {
  $('explain').hidden = true;
  for (const b of document.querySelectorAll('#example-buttons button')) b.setAttribute('aria-pressed', 'false');
  run($('compare').checked);
}

function showSnippet() {
  if (!lastRequest) return;
  $('copy-as').hidden = false;
  for (const b of document.querySelectorAll('.copy-buttons button')) b.setAttribute('aria-selected', String(b.dataset.format === copyFormat));
  $('snippet').textContent = snippet(copyFormat, lastRequest, location.origin);
  $('snippet').dataset.format = copyFormat;
  $('save-body').hidden = lastRequest.format !== 'safetensors';
}

/** Saves a safetensors request body as job.safetensors, the file the snippets read. */
function saveBody() {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([lastRequest.body], { type: 'application/octet-stream' }));
  link.download = 'job.safetensors';
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}

async function copySnippet(format) {
  copyFormat = format;
  showSnippet();
  try {
    await navigator.clipboard.writeText($('snippet').textContent);
    $('copy-note').textContent = `Copied as ${format}.`;
  } catch {
    $('copy-note').textContent = 'Select the text above to copy it (the clipboard is not available here).';
  }
}

/** Fills the form from a dropped or chosen file: .npy into `target` (or input), .safetensors by name. */
async function loadFile(file, targetName) {
  try {
    const buffer = await file.arrayBuffer();
    if (file.name.endsWith('.npy')) {
      form.setTensor(targetName || 'input', readNpy(buffer));
    } else {
      const { tensors } = readSafetensors(buffer);
      const names = Object.keys(tensors);
      if (!names.length) throw new Error('the file holds no tensors');
      for (const name of names) if ($('tensor-' + name)) form.setTensor(name, tensors[name]);
      if (!names.some((n) => $('tensor-' + n))) throw new Error(`no tensor named input, target, weight or pos_weight (found ${names.join(', ')})`);
    }
    setStatus(`Loaded ${file.name}.`);
  } catch (error) {
    setStatus(`${file.name}: ${error.message}`, true);
  }
}

function acceptDrops(node, name) {
  node.addEventListener('dragover', (e) => { e.preventDefault(); node.classList.add('dragover'); });
  node.addEventListener('dragleave', () => node.classList.remove('dragover'));
  node.addEventListener('drop', (e) => {
    e.preventDefault();
    node.classList.remove('dragover');
    const file = e.dataTransfer.files[0];
    if (file) loadFile(file, name || (e.target.dataset && e.target.dataset.name));
  });
}

function generate() {
  const shape = $('gen-shape').value.split(/[\s,x×]+/).filter(Boolean).map(Number);
  if (!shape.length || shape.some((n) => !Number.isInteger(n) || n < 1)) { setStatus('Shape must be positive integers, e.g. 8, 10', true); return; }
  const { input, target } = generateLogits(shape, Number($('gen-seed').value) || 0, Number($('gen-scale').value) || 1);
  form.setTensor('input', input);
  form.setTensor('target', target);
  setStatus(`Generated logits [${shape.join(', ')}] and class targets with seed ${$('gen-seed').value}.`);
}

function showExamples() {
  const holder = $('example-buttons');
  for (const example of EXAMPLES) {
    const button = document.createElement('button');
    button.type = 'button';
    button.id = 'example-' + example.id;
    button.textContent = example.title;
    button.title = example.explain;
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', async () => {
      if (!form) return;
      for (const b of holder.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === button));
      form.fill(example.job);
      $('compare').checked = true;
      $('explain').textContent = example.explain;
      $('explain').hidden = false;
      await run(true);
    });
    holder.append(button);
  }
}

function start() {
  $('token').value = sessionStorage.getItem('lossd-token') || '';
  $('token').addEventListener('change', () => {
    sessionStorage.setItem('lossd-token', token());
    if (!form) loadCatalogue();
  });
  showExamples();
  $('job-form').addEventListener('submit', (e) => { e.preventDefault(); runForm(); });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); runForm(); }
  });
  $('answers').addEventListener('click', (e) => {
    const pointer = e.target.dataset?.pointer;
    if (pointer !== undefined) showPointer(pointer, true);
  });
  for (const b of document.querySelectorAll('.copy-buttons button')) b.addEventListener('click', () => copySnippet(b.dataset.format));
  $('gen-button').addEventListener('click', generate);
  $('save-body').addEventListener('click', saveBody);
  $('file-input').addEventListener('change', () => { const f = $('file-input').files[0]; if (f) loadFile(f); });
  acceptDrops($('drop-zone'));
  acceptDrops($('tensors'));
  loadCatalogue();
}

start();
