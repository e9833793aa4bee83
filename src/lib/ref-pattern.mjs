/**
 * Ref patterns of restricted tokens (`refs/heads/bot/*`, `refs/tags/v*`),
 * matched by git's wildmatch rules with pathname semantics, as in
 * .gitignore: `*`, `?` and `[…]` stay within one path component, `**`
 * crosses components. Braces, extglobs and negation are not part of git's
 * rules and are off. Plain JavaScript because gitgate's pre-receive hook, a
 * node script git runs outside gitgate's process, matches with it too.
 */
import picomatch from 'picomatch';

const MATCH_OPTIONS = Object.freeze({ dot: true, nobrace: true, noextglob: true, nonegate: true });

/** Characters git forbids in ref names (but the glob ones), plus the ones picomatch would read as syntax. */
const FORBIDDEN = /[\s\x00-\x1f\x7f~^:\\(){}|]|\.\.|@\{|\/\/|\/$|\.lock(\/|$)|\/\./;

/**
 * Whether `pattern` is an acceptable ref pattern: under `refs/`, at most
 * 255 characters, nothing git forbids in a ref name but the glob characters.
 * @param {string} pattern
 * @returns {boolean}
 */
export function isValidRefPattern(pattern) {
  return pattern.length > 'refs/'.length && pattern.length <= 255 && pattern.startsWith('refs/') && !FORBIDDEN.test(pattern);
}

/**
 * A predicate telling whether a full ref name matches any of `patterns`.
 * @param {readonly string[]} patterns
 * @returns {(ref: string) => boolean}
 */
export function refMatcher(patterns) {
  const matchers = patterns.map((p) => picomatch(p, MATCH_OPTIONS));
  return (ref) => matchers.some((m) => m(ref));
}

/**
 * Whether every ref `child` matches is also matched by `parent` — decided
 * conservatively: equal patterns; a literal ref the parent matches; a
 * parent ending in `/**` and a child under the same prefix; a parent
 * ending in one `*` and a child that only adds to that last component.
 * Anything else counts as not within, so attenuation errs on refusing.
 * @param {string} child
 * @param {string} parent
 * @returns {boolean}
 */
export function refPatternWithin(child, parent) {
  if (child === parent) return true;
  if (!isGlob(child)) return refMatcher([parent])(child);
  if (parent.endsWith('/**')) {
    const prefix = parent.slice(0, -2);
    return !isGlob(prefix) && child.startsWith(prefix);
  }
  if (parent.endsWith('*')) {
    const prefix = parent.slice(0, -1);
    if (isGlob(prefix) || !child.startsWith(prefix)) return false;
    const rest = child.slice(prefix.length);
    return !rest.includes('/') && !rest.includes('**');
  }
  return false;
}

/**
 * @param {string} pattern
 * @returns {boolean}
 */
function isGlob(pattern) {
  return /[*?[]/.test(pattern);
}
