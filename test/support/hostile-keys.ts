/** Object keys that could escape a store's root, hide a file or smuggle a separator: every store must refuse them. */
export const HOSTILE_OBJECT_KEYS: readonly string[] = [
  '',
  '/etc/passwd',
  '../outside.pdf',
  'c00/../../outside.pdf',
  'c00/./report.pdf',
  '..',
  'c00//report.pdf',
  'c00/2024-12/',
  '.hidden',
  'c00/.ledger/x.json',
  'c00\\..\\outside.pdf',
  'c00/2024 12/report.pdf',
  'c00/2024-12/report.pdf\u0000',
  'c00/%2e%2e/report.pdf',
];
