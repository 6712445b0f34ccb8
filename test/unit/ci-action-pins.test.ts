// The CI workflows run with the production kubeconfig: every third-party action they use is pinned to a commit,
// so a moved or hijacked tag cannot change what runs (a tag is a pointer its owner, or a thief, can move).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const WORKFLOWS = path.join(__dirname, '..', '..', '.github', 'workflows');

/** Every `uses:` of a workflow file (steps and reusable workflows), with its line number. */
function usesOf(file: string): Array<{ line: number; ref: string; comment: string }> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((text, i) => {
      const match = /^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)["']?\s*(#.*)?$/.exec(text);
      return match ? [{ line: i + 1, ref: match[1]!, comment: match[2] ?? '' }] : [];
    });
}

/** An action at a commit with its release named, or a container image by digest. */
function pinned({ ref, comment }: { ref: string; comment: string }): boolean {
  if (ref.startsWith('docker://')) return /@sha256:[0-9a-f]{64}$/.test(ref);
  return /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) && /^#\s*v\d+\.\d+\.\d+\b/.test(comment);
}

test('every third-party action in .github/workflows is pinned to a full commit SHA, its version in a comment', () => {
  const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length > 0, 'no workflow found');
  const uses = files.flatMap((f) => usesOf(path.join(WORKFLOWS, f)).map((u) => ({ ...u, at: `${f}:${u.line}` })));
  assert.ok(uses.length > 0, 'no uses: found: the parser no longer matches the workflows');
  const unpinned = uses.filter((u) => !u.ref.startsWith('./') && !pinned(u)).map((u) => `${u.at} ${u.ref} ${u.comment}`.trim());
  assert.deepEqual(unpinned, [], 'pin each to a release commit (owner/repo@<40-hex sha> # vX.Y.Z) or an image digest (docker://…@sha256:…)');
});

test('Dependabot keeps the pins current: it watches github-actions (and npm) in .github/dependabot.yml', () => {
  const config = readFileSync(path.join(WORKFLOWS, '..', 'dependabot.yml'), 'utf8');
  assert.match(config, /^version: 2$/m);
  for (const ecosystem of ['github-actions', 'npm']) {
    assert.match(config, new RegExp(`package-ecosystem: ${ecosystem}\\n\\s+directory: /\\n\\s+schedule:`), ecosystem);
  }
});
