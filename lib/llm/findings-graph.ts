// Each analysed month's findings, recorded in the knowledge graph so later months can be grounded on them.
import { DataFactory, Writer, type Quad } from 'n3';
import type { FindingsDocument } from '../domain/findings';
import type { GraphStore } from '../graph/graph-store';
import { companyIri, findingsGraphIri } from '../rdf/iris';
import { findingKey } from '../review/finding-key';
import { findingIri } from '../review/finding-reviews';
import { RDF_TYPE, XSD, tax } from '../rdf/vocabulary';

const { namedNode, literal, quad } = DataFactory;

/** Replaces the month's findings graph with the document's findings (idempotent). */
export async function recordFindings(graph: GraphStore, doc: FindingsDocument): Promise<void> {
  const graphIri = findingsGraphIri(doc.companyId, doc.period);
  const company = namedNode(companyIri(doc.companyId));
  const quads: Quad[] = doc.findings.flatMap((f, i) => {
    const node = namedNode(findingIri(doc.companyId, doc.period, i));
    const integer = (n: number) => literal(String(n), namedNode(`${XSD}integer`));
    return [
      quad(node, namedNode(RDF_TYPE), namedNode(tax('Finding'))),
      quad(node, namedNode(tax('company')), company),
      quad(node, namedNode(tax('period')), literal(doc.period)),
      quad(node, namedNode(tax('ruleId')), literal(f.ruleId)),
      quad(node, namedNode(tax('category')), literal(f.category)),
      quad(node, namedNode(tax('findingKey')), literal(findingKey(f, doc))),
      quad(node, namedNode(tax('severity')), literal(f.severity)),
      quad(node, namedNode(tax('message')), literal(f.message)),
      ...(f.amount === undefined ? [] : [quad(node, namedNode(tax('amount')), integer(f.amount))]),
      ...(f.threshold === undefined ? [] : [quad(node, namedNode(tax('threshold')), integer(f.threshold))]),
    ];
  });
  await graph.replaceGraph(graphIri, [new Writer({ format: 'N-Triples' }).quadsToString(quads)]);
}
