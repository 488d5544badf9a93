// "Copy as": the exact request that produced the answer, as curl, Python requests and
// JavaScript fetch. A token is written as $LOSSD_TOKEN / os.environ, never the secret itself.

const shellQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
/** A double-quoted literal valid in both JavaScript and Python. */
const literal = (s) => JSON.stringify(s);

/** The snippet for `format` ('curl', 'python', 'fetch') of `request` sent to `origin`. */
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
