/**
 * GitLab's `search` parameter of the branch and tag lists (GitRefsFinder):
 * a case-insensitive substring, unless it holds `^`, `$` or `*` — then the
 * first `^` asserts the start, the first `$` the end (later ones are plain
 * characters), and every `*` stands for any run of characters, as GitLab's
 * regular expression does. Exact matches of a plain search come first.
 * Matched without regular expressions, in time linear in the name per
 * piece of the term, so no search can be slow.
 */

/** A test of names against one search term. */
export interface RefSearch {
  matches(name: string): boolean;
  /** Moves a plain search's exact (case-insensitive) match to the front, as GitLab does. */
  order<T>(items: T[], nameOf: (item: T) => string): T[];
}

type Token = { text: string } | 'any' | 'start' | 'end';

/**
 * @example refSearch('^feat').matches('feature/x') // true
 * @example refSearch('fix*1').matches('hotfix-2021') // true
 */
export function refSearch(term: string): RefSearch {
  const lower = term.toLowerCase();
  if (!/[\^$*]/.test(term)) {
    return {
      matches: (name) => name.toLowerCase().includes(lower),
      order: (items, nameOf) => {
        const exact = items.findIndex((item) => nameOf(item).toLowerCase() === lower);
        return exact <= 0 ? items : [items[exact]!, ...items.slice(0, exact), ...items.slice(exact + 1)];
      },
    };
  }
  const tokens = tokenize(lower);
  return { matches: (name) => matchTokens(tokens, name.toLowerCase()), order: (items) => items };
}

function tokenize(term: string): Token[] {
  const caret = term.indexOf('^');
  const dollar = term.indexOf('$');
  const tokens: Token[] = [];
  let text = '';
  const flush = (): void => {
    if (text) tokens.push({ text });
    text = '';
  };
  for (let i = 0; i < term.length; i++) {
    const c = term[i]!;
    const operator = c === '*' ? 'any' : i === caret ? 'start' : i === dollar ? 'end' : null;
    if (operator === null) {
      text += c;
    } else {
      flush();
      tokens.push(operator);
    }
  }
  flush();
  return tokens;
}

/** A search anywhere in `name`: the set of positions reachable after each token, as an NFA would track them. */
function matchTokens(tokens: Token[], name: string): boolean {
  const n = name.length;
  let at: boolean[] = Array.from({ length: n + 1 }, () => true);
  for (const token of tokens) {
    const next: boolean[] = new Array<boolean>(n + 1).fill(false);
    if (token === 'any') {
      const first = at.indexOf(true);
      for (let p = first; first !== -1 && p <= n; p++) next[p] = true;
    } else if (token === 'start' || token === 'end') {
      const only = token === 'start' ? 0 : n;
      next[only] = at[only]!;
    } else {
      for (let p = 0; p + token.text.length <= n; p++) if (at[p] && name.startsWith(token.text, p)) next[p + token.text.length] = true;
    }
    at = next;
    if (!at.includes(true)) return false;
  }
  return true;
}
