// JSON pointers (RFC 6901) of lossd's problems, found in the text of an editor so that the
// offending element can be selected and highlighted.

/** Splits "/a/0/b~1c" into ["a", "0", "b/c"]. */
export function pointerTokens(pointer) {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * The [start, end) character range of the element `tokens` names in JSON `text`, or null.
 * Bare words (NaN, Infinity, true) are read as values, so Python-style text works too.
 */
export function locate(text, tokens) {
  let i = 0;
  const space = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  // Skips one value starting at i (after spaces); returns its [start, end).
  const skip = () => {
    space();
    const start = i;
    const open = text[i];
    if (open === '[' || open === '{') {
      let depth = 0;
      for (; i < text.length; i++) {
        const c = text[i];
        if (c === '"') { i++; while (i < text.length && text[i] !== '"') { if (text[i] === '\\') i++; i++; } }
        else if (c === '[' || c === '{') depth++;
        else if (c === ']' || c === '}') { depth--; if (depth === 0) { i++; break; } }
      }
    } else if (open === '"') {
      i++;
      while (i < text.length && text[i] !== '"') { if (text[i] === '\\') i++; i++; }
      i++;
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
    }
    return [start, i];
  };
  for (const token of tokens) {
    space();
    if (text[i] === '[') {
      const index = Number(token);
      if (!Number.isInteger(index) || index < 0) return null;
      i++;
      for (let k = 0; k < index; k++) {
        skip(); space();
        if (text[i] !== ',') return null;
        i++;
      }
      space();
      if (text[i] === ']') return null;
    } else if (text[i] === '{') {
      i++;
      let found = false;
      while (i < text.length) {
        space();
        if (text[i] === '}') return null;
        const [ks, ke] = skip();
        let key;
        try { key = JSON.parse(text.slice(ks, ke)); } catch { return null; }
        space();
        if (text[i] !== ':') return null;
        i++;
        if (key === token) { found = true; break; }
        skip(); space();
        if (text[i] === ',') i++;
      }
      if (!found) return null;
    } else {
      return null;
    }
  }
  const [start, end] = skip();
  return end > start ? [start, end] : null;
}
