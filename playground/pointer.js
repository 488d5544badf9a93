// JSON pointers (RFC 6901) of lossd's problems, found in the text of an editor so that the
// offending element is selected and highlighted there (or the option's control outlined).

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

/** Removes the highlights of an earlier problem's pointers. */
export function clearPointers() {
  for (const view of document.querySelectorAll('.pointer-view')) view.hidden = true;
  for (const node of document.querySelectorAll('.has-error')) node.classList.remove('has-error');
}

/** Highlights the element a problem's JSON pointer names: in a tensor editor, or the option's control. */
export function showPointer(pointer, focus) {
  const [name, ...rest] = pointerTokens(pointer);
  const area = document.getElementById('tensor-' + name);
  if (area && !area.readOnly) {
    const range = locate(area.value, rest);
    area.classList.add('has-error');
    if (!range) return;
    const [start, end] = range;
    const view = document.getElementById('pointer-' + name);
    const from = Math.max(0, start - 120), to = Math.min(area.value.length, end + 120);
    const mark = document.createElement('mark');
    mark.textContent = area.value.slice(start, end);
    view.replaceChildren((from > 0 ? '…' : '') + area.value.slice(from, start), mark, area.value.slice(end, to) + (to < area.value.length ? '…' : ''));
    view.hidden = false;
    if (focus) { area.focus(); area.setSelectionRange(start, end); }
  } else if (name === 'options' && rest.length) {
    const control = document.getElementById('opt-' + rest[0]) || document.getElementById('opt-extra');
    control.classList.add('has-error');
    if (focus) control.focus();
  }
}
