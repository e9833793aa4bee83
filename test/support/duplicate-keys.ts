/**
 * Finds keys that appear twice in one JSON object. JSON.parse keeps the
 * last of them silently (and a reviver sees only that one), so a log line
 * with two `service` keys parses "fine" into the wrong value; this scanner
 * reads the text itself.
 */

type Frame = { kind: 'object'; keys: Set<string>; expectKey: boolean } | { kind: 'array' };

/**
 * The keys of `json` that some object holds more than once, as
 * `path.key` (top-level keys bare). `json` must be valid JSON.
 */
export function duplicateKeys(json: string): string[] {
  JSON.parse(json);
  const found: string[] = [];
  const stack: Frame[] = [];
  const path: string[] = [];
  let lastKey = '';
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const text = JSON.parse(json.slice(i, end + 1)) as string;
      if (top?.kind === 'object' && top.expectKey) {
        if (top.keys.has(text)) found.push([...path, text].join('.'));
        top.keys.add(text);
        top.expectKey = false;
        lastKey = text;
      }
      i = end;
    } else if (c === '{' || c === '[') {
      if (top?.kind === 'object') path.push(lastKey);
      else if (top) path.push('[]');
      stack.push(c === '{' ? { kind: 'object', keys: new Set(), expectKey: true } : { kind: 'array' });
    } else if (c === '}' || c === ']') {
      stack.pop();
      if (stack.length > 0) path.pop();
    } else if (c === ',' && top?.kind === 'object') {
      top.expectKey = true;
    }
  }
  return found;
}
