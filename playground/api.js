// Requests to lossd: the exact bytes a job becomes (JSON, or safetensors when a tensor is too
// large for JSON text), sending them with the bearer token, and reading the answer back.
import { Tensor, tensorToText, parseTensorText } from './tensors.js';
import { readSafetensors, writeSafetensors } from './files.js';

/** Tensors with more elements than this travel as safetensors instead of JSON text. */
export const SAFETENSORS_THRESHOLD = 1_000_000;
/** Names whose tensors are class indices when sent as safetensors. */
const INTEGER_TENSORS = new Set(['target']);

/**
 * A job: `loss`, `tensors` (name to {text} from an editor or {tensor} from a file or the
 * generator), `options` (name to value, only those that differ from the defaults or that the
 * page sets on purpose) and optionally `outputs`.
 * Returns {method, url, headers, body (string or Uint8Array), format, loss, tensorNames,
 * options, outputs}: the last four let "Copy as" write the same job as a Python client call.
 */
export function buildRequest(job, token) {
  const described = { loss: job.loss, tensorNames: Object.keys(job.tensors), options: job.options, outputs: job.outputs };
  const large = Object.values(job.tensors).some((t) => t.tensor && t.tensor.size > SAFETENSORS_THRESHOLD);
  const headers = {};
  if (token) headers.Authorization = 'Bearer ' + token;
  if (large) {
    const query = new URLSearchParams(Object.entries(job.options).map(([k, v]) => [k, String(v)]));
    if (job.outputs) query.set('outputs', job.outputs.join(','));
    const tensors = {};
    for (const [name, source] of Object.entries(job.tensors)) {
      tensors[name] = source.tensor || parseTensorText(source.text);
      if (!tensors[name]) throw new Error(`${name} is not a tensor the page can read, and another tensor is too large for JSON: fix it or load it from a file`);
    }
    headers['Content-Type'] = 'application/octet-stream';
    headers.Accept = 'application/octet-stream';
    const q = query.toString();
    return { method: 'POST', url: `/v1/loss/${job.loss}${q ? '?' + q : ''}`, headers,
      body: writeSafetensors(tensors, INTEGER_TENSORS), format: 'safetensors', ...described };
  }
  const members = [];
  for (const [name, source] of Object.entries(job.tensors)) {
    members.push(`${JSON.stringify(name)}: ${source.text !== undefined ? source.text.trim() : tensorJSON(source.tensor, INTEGER_TENSORS.has(name))}`);
  }
  if (Object.keys(job.options).length) members.push(`"options": ${JSON.stringify(job.options)}`);
  if (job.outputs) members.push(`"outputs": ${JSON.stringify(job.outputs)}`);
  headers['Content-Type'] = 'application/json';
  return { method: 'POST', url: `/v1/loss/${job.loss}`, headers, body: `{${members.join(',\n ')}}`, format: 'json', ...described };
}

/** A binary tensor as JSON: nested text when small, {"shape", "data"} otherwise. */
function tensorJSON(tensor, integer) {
  if (tensor.size <= 4096) return tensorToText(tensor, integer);
  const data = Array.from(tensor.data, (x) => Number.isFinite(x) ? (integer ? Math.trunc(x) : x) : String(x));
  const dtype = tensor.dtype === 'float64' ? ', "dtype": "float64"' : '';
  return `{"shape": ${JSON.stringify(tensor.shape)}, "data": ${JSON.stringify(data)}${dtype}}`;
}

/** Server-Timing "parse;dur=0.1, compute;dur=2" as [{name, ms}]. */
export function parseServerTiming(header) {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [name, ...params] = part.trim().split(';');
    const dur = params.map((p) => p.trim()).find((p) => p.startsWith('dur='));
    return { name, ms: dur ? Number(dur.slice(4)) : NaN };
  }).filter((t) => t.name);
}

/**
 * Sends `request`; resolves to {status, body (parsed JSON, or {value, grad, diagnostics} from
 * safetensors), timing, roundTripMs, requestId}. Network failures reject.
 */
export async function send(request) {
  const started = performance.now();
  const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  const bytes = await response.arrayBuffer();
  const roundTripMs = performance.now() - started;
  const type = response.headers.get('Content-Type') || '';
  let body;
  if (type.startsWith('application/octet-stream')) {
    const { tensors, metadata } = readSafetensors(bytes);
    body = { loss: metadata.loss, value: tensors.value, grad: tensors.grad,
      diagnostics: metadata.diagnostics ? JSON.parse(metadata.diagnostics) : undefined };
  } else {
    const text = new TextDecoder().decode(bytes);
    try { body = JSON.parse(text); } catch { body = { detail: text }; }
  }
  return { status: response.status, body, timing: parseServerTiming(response.headers.get('Server-Timing')),
    roundTripMs, requestId: response.headers.get('X-Request-Id') };
}

/** The loss catalogue of GET /v1/losses. */
export async function fetchCatalogue(token) {
  const response = await fetch('/v1/losses', { headers: token ? { Authorization: 'Bearer ' + token } : {} });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw Object.assign(new Error(problem.detail || `GET /v1/losses answered ${response.status}`), { status: response.status });
  }
  return (await response.json()).losses;
}

export { Tensor };
