// findings.json in the object store: the one document the PDF, the e-mail and downstream tools read.
import type { FindingsDocument } from '../domain/findings';
import type { ObjectStore } from './object-store';

export async function readFindingsDoc(objects: ObjectStore, key: string): Promise<FindingsDocument> {
  return JSON.parse((await objects.get(key)).toString('utf8')) as FindingsDocument;
}

export async function writeFindingsDoc(objects: ObjectStore, key: string, doc: FindingsDocument): Promise<void> {
  await objects.put(key, `${JSON.stringify(doc, null, 2)}\n`, 'application/json');
}
