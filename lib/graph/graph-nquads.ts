/**
 * One named graph as N-Quads and back. Both stores export a graph as N-Triples and name the graph on each line
 * here, so a backup's files have one exact shape whichever store wrote them, and restore can take the graph
 * name off again without an RDF parser (and check that every line belongs to the graph it is restored into).
 */
import { graphIriRef } from './graph-sparql';

const STATEMENT_END = /\s*\.\s*$/;

/** Text in chunks cut anywhere, as chunks of whole lines ('\n'-terminated); a last line without '\n' gets one. */
export async function* wholeLines(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
  let pending = '';
  for await (const chunk of chunks) {
    pending += chunk;
    const end = pending.lastIndexOf('\n') + 1;
    if (end === 0) continue;
    yield pending.slice(0, end);
    pending = pending.slice(end);
  }
  if (pending !== '') yield `${pending}\n`;
}

/** N-Triples (chunks cut anywhere) as N-Quads in `graphIri`, in chunks of whole lines. */
export async function* triplesToQuads(ntriples: AsyncIterable<string> | Iterable<string>, graphIri: string): AsyncGenerator<string> {
  const graph = ` ${graphIriRef(graphIri)} .`;
  for await (const lines of wholeLines(ntriples)) {
    yield mapStatements(lines, (line) => {
      if (!STATEMENT_END.test(line)) throw new SyntaxError(`not an N-Triples statement: ${line.slice(0, 200)}`);
      return line.replace(STATEMENT_END, graph);
    });
  }
}

/** The inverse: N-Quads of `graphIri` (chunks cut anywhere) as N-Triples; a line naming any other graph is refused. */
export async function* quadsToTriples(nquads: AsyncIterable<string> | Iterable<string>, graphIri: string): AsyncGenerator<string> {
  const graph = ` ${graphIriRef(graphIri)} .`;
  for await (const lines of wholeLines(nquads)) {
    yield mapStatements(lines, (line) => {
      const statement = line.trimEnd();
      if (!statement.endsWith(graph)) throw new SyntaxError(`not a statement of graph ${graphIriRef(graphIri)}: ${line.slice(0, 200)}`);
      return `${statement.slice(0, -graph.length)} .`;
    });
  }
}

/** Each statement line mapped; blank lines and comments dropped. */
function mapStatements(lines: string, map: (line: string) => string): string {
  let out = '';
  for (const line of lines.split('\n')) {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) continue;
    out += `${map(line)}\n`;
  }
  return out;
}
