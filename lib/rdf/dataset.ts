// Reading single values out of an in-memory RDF/JS dataset (SHACL shapes, reports, derived facts).
import type { Term } from '@rdfjs/types';
import rdf from '@zazuko/env';

export type Dataset = ReturnType<typeof rdf.dataset>;

/** The first object of (subject, predicate), if any. */
export function objectOf(dataset: Dataset, subject: Term, predicate: string): Term | undefined {
  for (const q of dataset.match(subject, rdf.namedNode(predicate))) return q.object;
  return undefined;
}
