// A unified diff of a file whose lines were changed in place (the proposal edits numbers, never adds or removes a
// line), so `git apply` takes it and a reviewer reads it like any other change. No diff library for one hunk type.

/** The changes of `after` against `before` as a unified diff of `file` (a path relative to the repository), or ''. */
export function lineDiff(file: string, before: string, after: string, context = 3): string {
  const a = linesOf(before);
  const b = linesOf(after);
  if (a.length !== b.length) throw new Error(`${file}: lineDiff compares texts changed in place, not ${a.length} against ${b.length} lines`);
  const hunks: Array<{ start: number; end: number }> = [];
  a.forEach((line, i) => {
    if (line === b[i]) return;
    const start = Math.max(0, i - context);
    const end = Math.min(a.length, i + context + 1);
    const last = hunks.at(-1);
    if (last && start <= last.end) last.end = end;
    else hunks.push({ start, end });
  });
  if (hunks.length === 0) return '';
  const out = [`--- a/${file}`, `+++ b/${file}`];
  for (const { start, end } of hunks) {
    out.push(`@@ -${start + 1},${end - start} +${start + 1},${end - start} @@`);
    for (let i = start; i < end; i++) out.push(...(a[i] === b[i] ? [` ${a[i]}`] : [`-${a[i]}`, `+${b[i]}`]));
  }
  return `${out.join('\n')}\n`;
}

/** A text's lines, without the empty "line" after its final newline. */
function linesOf(text: string): string[] {
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}
