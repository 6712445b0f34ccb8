/**
 * The ERP drop is written by others (the firm's upload hook, a client's export), and a symbolic link in it would
 * point the workers at any file they can read (/etc/passwd, a mounted secret) to be parsed, hashed and quoted in
 * a data-quality e-mail. So a file below ERP_DATA_DIR is read only after a walk from the root down with lstat:
 * no component may be a link, and the file must be a regular one. (A link swapped in between the walk and the
 * read is not caught; whoever can do that can already write the ledger itself.)
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { LedgerFormatError } from '../domain/ledger';

/**
 * True when `file` is a regular file reached from `root` through real directories only; false when it (or a
 * directory on the way) does not exist. A link or anything else is refused: a LedgerFormatError naming the file,
 * a data error that no retry fixes, raised before a byte of it is read.
 */
export async function isPlainDataFile(root: string, file: string): Promise<boolean> {
  const refuse = (problem: string) => new LedgerFormatError(file, undefined, undefined, `${problem}; refused, nothing was read`);
  const relative = path.relative(root, file);
  if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw refuse(`not inside the data directory ${root}`);
  }
  const parts = relative.split(path.sep);
  let current = root;
  for (const [i, part] of parts.entries()) {
    current = path.join(current, part);
    const stats = await lstat(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (!stats) return false;
    if (stats.isSymbolicLink()) throw refuse(`${path.relative(root, current)} is a symbolic link, and the data directory takes real files only`);
    if (i === parts.length - 1 && !stats.isFile()) throw refuse('not a regular file');
  }
  return true;
}
