// Binds a variable of a stored query to an IRI, checked so it cannot end the IRI and continue the query.
import { graphIriRef } from '../graph/graph-sparql';

export function bindIri(query: string, variable: string, iri: string): string {
  const pattern = new RegExp(`\\?${variable}\\b`, 'g');
  if (!pattern.test(query)) throw new Error(`query has no variable ?${variable}`);
  const ref = graphIriRef(iri);
  return query.replace(pattern, () => ref);
}
