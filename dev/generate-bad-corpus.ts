// `npx tsx dev/generate-bad-corpus.ts`: rewrites test/fixtures/bad (the bad-input corpus and its cases.json)
// from dev/bad-corpus.ts. Deterministic; the 200,000-line files are written by the test itself.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BAD_CORPUS_DIR, badCorpusFiles } from './bad-corpus';

async function main(): Promise<void> {
  const files = badCorpusFiles();
  // Cleared first so a renamed or dropped case leaves no stale file behind.
  await rm(BAD_CORPUS_DIR, { recursive: true, force: true });
  for (const [file, content] of files) {
    const target = path.join(BAD_CORPUS_DIR, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  console.log(`bad-input corpus: ${files.size - 1} files and cases.json → ${BAD_CORPUS_DIR}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
