// A node:test reporter beside `spec`: the time of each test file's top-level tests and suites, summed per file, and
// the slowest files at the end, so the suite's time is measured where it goes (npm test, scripts/run-tests.sh).
import path from 'node:path';

export default async function* fileDurations(source) {
  const perFile = new Map();
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0 && event.data.file) {
      const file = path.relative(process.cwd(), event.data.file);
      perFile.set(file, (perFile.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0));
    }
  }
  const rows = [...perFile].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
  yield `[durations] ${rows.length} files, ${(total / 1000).toFixed(0)} s of test time; the slowest:\n`;
  for (const [file, ms] of rows.slice(0, 15)) yield `[durations] ${(ms / 1000).toFixed(1).padStart(7)} s  ${file}\n`;
}
