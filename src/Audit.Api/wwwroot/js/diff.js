// A configuration change's readable diff (the history's "+ added", "- removed", "~ changed" lines), coloured.
import { h } from './common.js';

export function diff(lines) {
  return h('pre', { class: 'diff' }, (lines ?? []).map(l => h('span', {
    class: l.startsWith('+') ? 'diff-add' : l.startsWith('-') ? 'diff-del' : l.startsWith('~') ? 'diff-chg' : undefined,
  }, l, '\n')));
}
