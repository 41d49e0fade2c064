// SPDX-License-Identifier: AGPL-3.0-or-later
// The number pattern syntax of src/core/pattern.c, checked as the user
// types (the server checks it again on save and names the same position).
// Returns null when valid, else {pos (1-based), message}.
const ALPHA = '*#+0123456789';

export function checkPattern(src) {
  const fail = (pos, message) => ({ pos: pos + 1, message });
  if (!src) return fail(0, 'empty pattern');
  let i = 0, len = 0, tail = false;
  const isPattern = src[0] === '_';
  if (isPattern) {
    i = 1;
    if (i >= src.length) return fail(1, "nothing after '_'");
  }
  while (i < src.length) {
    const c = src[i];
    if (tail) return fail(i, "nothing may follow '.' or '!'");
    if (isPattern && (c === '.' || c === '!')) { tail = true; i++; continue; }
    if (isPattern && c === '-') { i++; continue; }
    if (isPattern && c === '[') {
      const open = i;
      let j = i + 1, any = false;
      while (src[j] !== ']') {
        if (j >= src.length) return fail(open, "unclosed '['");
        const lo = ALPHA.indexOf(src[j]);
        if (lo < 0) return fail(j, 'character not allowed in a set');
        if (src[j + 1] === '-' && src[j + 2] !== ']' && j + 2 < src.length) {
          const hi = ALPHA.indexOf(src[j + 2]);
          if (hi < 0) return fail(j + 2, 'character not allowed in a set');
          if (lo < 3 || hi < 3) return fail(j + 1, 'a range needs digits');
          if (hi < lo) return fail(j + 2, 'range end below its start');
          any = true;
          j += 3;
          continue;
        }
        any = true;
        j++;
      }
      if (!any) return fail(open, 'empty set');
      i = j + 1;
    } else {
      if (!(isPattern && 'XxZzNn'.includes(c)) && ALPHA.indexOf(c) < 0) {
        if (c === ']') return fail(i, "']' without '['");
        return fail(i, isPattern ? 'unknown pattern character' : "not a dialable character (a pattern starts with '_')");
      }
      i++;
    }
    if (len >= 64) return fail(i - 1, 'pattern too long');
    len++;
  }
  if (isPattern && len === 0 && !tail) return fail(i, 'empty pattern');
  return null;
}
