// "Copy as": the exact request that produced the answer, as curl, Python requests, a call of
// lossd's Python client (clients/python) and JavaScript fetch. A token is written as
// $LOSSD_TOKEN / os.environ, never the secret itself.

const shellQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
/** A double-quoted literal valid in both JavaScript and Python. */
const literal = (s) => JSON.stringify(s);

/** `value` (a JSON-like option value) as a Python literal. */
function pythonLiteral(value) {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${literal(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
  return typeof value === 'number' ? String(value) : literal(String(value));
}

/** The same job as a call of lossd's Python client: its tensors by name, in the page's order. */
function clientSnippet(request, origin, authorized) {
  const names = pythonLiteral(request.tensorNames);
  const lines = [request.format === 'safetensors' ? null : 'import json', authorized ? 'import os' : null, 'import numpy as np',
    'import lossd  # lossd\'s Python client: pip install clients/python'].filter((l) => l !== null);
  if (request.format === 'safetensors') {
    lines.push('from safetensors.numpy import load_file', '',
      'stored = load_file("job.safetensors")  # the body the page sent (its "Save job.safetensors" button)',
      `tensors = {name: stored[name] for name in ${names}}`,
      `options = ${pythonLiteral(request.options)}`);
  } else {
    const dtype = request.options.dtype === 'float64' ? 'np.float64' : 'np.float32';
    lines.push('', `job = json.loads(${literal(request.body)})`, '',
      '',
      'def tensor(value):',
      '    """A tensor of the job\'s JSON (nested lists, a number, or {"shape", "data"}) as the client takes it."""',
      '    if isinstance(value, dict):',
      '        data = np.array(value["data"], dtype=object).reshape(value["shape"])',
      '        return data.astype(value["dtype"]) if "dtype" in value else tensor(data.tolist())',
      '    if isinstance(value, list):',
      '        return [tensor(x) for x in value]',
      '    return float(value) if isinstance(value, str) else value',
      '',
      '',
      `tensors = {name: tensor(job[name]) for name in ${names}}`,
      `tensors = {name: t if isinstance(t, (list, np.ndarray)) else np.asarray(t, dtype=${dtype}) for name, t in tensors.items()}`,
      'options = job.get("options", {})');
  }
  if (request.outputs) lines.push(`options["outputs"] = ${pythonLiteral(request.outputs)}`);
  lines.push(`with lossd.Client(${literal(origin)}${authorized ? ', token=os.environ["LOSSD_TOKEN"]' : ''}) as client:`,
    `    result = client.loss(${literal(request.loss)}, **tensors, **options)`,
    'print(result.value, result.warnings)');
  return lines.join('\n');
}

/** The snippet for `format` ('curl', 'python', 'client', 'fetch') of `request` sent to `origin`. */
export function snippet(format, request, origin) {
  const url = origin + request.url;
  const headers = Object.entries(request.headers);
  const binary = request.format === 'safetensors';
  const authorized = headers.some(([k]) => k === 'Authorization');
  if (format === 'curl') {
    const lines = [`curl -sS -X ${request.method} ${shellQuote(url)}`];
    for (const [k, v] of headers) {
      lines.push(k === 'Authorization' ? `  -H "Authorization: Bearer $LOSSD_TOKEN"` : `  -H ${shellQuote(`${k}: ${v}`)}`);
    }
    lines.push(binary ? '  --data-binary @job.safetensors -o answer.safetensors' : `  --data-binary ${shellQuote(request.body)}`);
    return lines.join(' \\\n');
  }
  if (format === 'client') return clientSnippet(request, origin, authorized);
  if (format === 'python') {
    const lines = ['import requests'];
    if (authorized) lines.push('import os');
    lines.push('', `url = ${literal(url)}`, 'headers = {');
    for (const [k, v] of headers) {
      lines.push(k === 'Authorization' ? `    "Authorization": "Bearer " + os.environ["LOSSD_TOKEN"],` : `    ${literal(k)}: ${literal(v)},`);
    }
    lines.push('}');
    lines.push(binary ? 'body = open("job.safetensors", "rb").read()' : `body = ${literal(request.body)}`);
    lines.push('r = requests.post(url, headers=headers, data=body)', 'print(r.status_code, r.headers.get("Server-Timing"))');
    lines.push(binary ? 'print(len(r.content), "bytes of safetensors")' : 'print(r.json())');
    return lines.join('\n');
  }
  const lines = [`const response = await fetch(${literal(url)}, {`, `  method: ${literal(request.method)},`, '  headers: {'];
  for (const [k, v] of headers) {
    lines.push(k === 'Authorization' ? `    Authorization: 'Bearer ' + LOSSD_TOKEN,` : `    ${literal(k)}: ${literal(v)},`);
  }
  lines.push('  },', binary ? '  body: jobSafetensorsBytes,' : `  body: ${literal(request.body)},`, '});');
  lines.push(binary ? 'const answer = new Uint8Array(await response.arrayBuffer());' : 'const answer = await response.json();');
  lines.push('console.log(response.status, answer);');
  return lines.join('\n');
}
