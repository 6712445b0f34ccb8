// The sign-in redirect target (console/http/local-path.ts) against the classic open-redirect bypasses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localPath } from '../../console/http/local-path';

test('paths that a browser would read as another origin, or as a script, go to /', () => {
  const bypasses = [
    '//evil.example',
    '//evil.example/x',
    '/\\evil.example',
    '/\\/evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '/\t\\evil.example',
    ' //evil.example',
    'https://evil.example',
    'http:evil.example',
    'javascript:alert(1)',
    'data:text/html,x',
    '//evil.example@console.invalid',
    '///evil.example',
    'evil.example',
    '',
    undefined,
  ];
  for (const next of bypasses) assert.equal(localPath(next), '/', JSON.stringify(next));
});

test('a local path is kept, normalised as the browser will request it', () => {
  assert.equal(localPath('/companies/c01-가람?period=2024-03#findings'), '/companies/c01-%EA%B0%80%EB%9E%8C?period=2024-03#findings');
  assert.equal(localPath('/audit'), '/audit');
  assert.equal(localPath('/a/../settings'), '/settings');
  // An encoded tab is a path segment of this site, not a way out of it.
  assert.equal(localPath('/%09/evil.example'), '/%09/evil.example');
});
