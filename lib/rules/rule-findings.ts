// Turns SHACL results over a run's derived facts into findings (docs/spec/findings.md), as the annotations of
// shapes/tax/rules.ttl say: one finding per fact, at the highest severity among the shapes it fails.
import rdf from '@zazuko/env';
import { objectOf, type Dataset } from '../rdf/dataset';
import type { Term } from '@rdfjs/types';
import { FINDING_CATEGORIES, type EvidenceLine, type Finding, type FindingCategory, type Severity } from '../domain/findings';
import { XSD, tax } from '../rdf/vocabulary';

const SH = 'http://www.w3.org/ns/shacl#';
/** Highest first: the order of both severity escalation and findings.json. */
const SEVERITIES: readonly Severity[] = ['HIGH', 'MEDIUM', 'LOW', 'INFO'];
const CATEGORIES: ReadonlySet<string> = new Set(FINDING_CATEGORIES);
const NUMERIC = new Set([`${XSD}integer`, `${XSD}decimal`]);

/** What a failing shape says about its finding. */
export interface ShapeAnnotation {
  ruleId: string;
  category: FindingCategory;
  basis: string;
  severity: Severity;
  /** sh:order: which message wins among failing shapes of one severity. */
  order: number;
}

/** A finding with the key that identifies its instance (line, account, plate or due date), for ordering. */
export interface KeyedFinding {
  finding: Finding;
  key: string;
}

/**
 * The shapes whose failure is reported (those with tax:severity), by shapeKey. Rule-level annotations may sit
 * on the node shape that holds a property shape.
 */
export function shapeAnnotations(shapes: Dataset): Map<string, ShapeAnnotation> {
  const annotations = new Map<string, ShapeAnnotation>();
  for (const { subject: shape, object: severity } of shapes.match(null, rdf.namedNode(tax('severity')))) {
    const parent = [...shapes.match(null, rdf.namedNode(`${SH}property`), shape)][0]?.subject;
    const annotation = (local: string) => {
      const term = objectOf(shapes, shape, tax(local)) ?? (parent && objectOf(shapes, parent, tax(local)));
      if (!term) throw new Error(`shape ${shape.value}: no tax:${local} on it or on its node shape`);
      return term.value;
    };
    const category = annotation('category');
    if (!CATEGORIES.has(category)) throw new Error(`shape ${shape.value}: unknown category ${JSON.stringify(category)}`);
    if (!SEVERITIES.includes(severity.value as Severity)) {
      throw new Error(`shape ${shape.value}: unknown severity ${JSON.stringify(severity.value)}`);
    }
    annotations.set(shapeKey(shape), {
      ruleId: annotation('ruleId'),
      category: category as FindingCategory,
      basis: annotation('basis'),
      severity: severity.value as Severity,
      order: Number(objectOf(shapes, shape, `${SH}order`)?.value ?? 0),
    });
  }
  return annotations;
}

function shapeKey(shape: Term): string {
  return `${shape.termType}:${shape.value}`;
}

export interface ShaclResult {
  focusNode: Term;
  sourceShape: Term;
  message: Term[];
}

/** One finding per failing fact: amount, threshold and accrued interest from the fact, evidence by fact IRI. */
export function factFindings(
  results: readonly ShaclResult[],
  annotations: ReadonlyMap<string, ShapeAnnotation>,
  facts: Dataset,
  evidence: ReadonlyMap<string, EvidenceLine[]>,
): KeyedFinding[] {
  const top = new Map<string, { focus: Term; annotation: ShapeAnnotation; message: string }>();
  for (const result of results) {
    const annotation = annotations.get(shapeKey(result.sourceShape));
    if (!annotation) throw new Error(`SHACL result of shape ${result.sourceShape.value}, which has no tax:severity`);
    const candidate = { focus: result.focusNode, annotation, message: result.message[0]?.value ?? '' };
    const current = top.get(result.focusNode.value);
    if (!current || outranks(candidate, current)) top.set(result.focusNode.value, candidate);
  }
  return [...top.values()].map(({ focus, annotation, message }) => {
    const amount = integerOf(facts, focus, 'amount');
    const threshold = integerOf(facts, focus, 'threshold');
    const accruedInterest = integerOf(facts, focus, 'accruedInterest');
    const finding: Finding = {
      ruleId: annotation.ruleId,
      category: annotation.category,
      severity: annotation.severity,
      ...(amount !== undefined && { amount }),
      ...(threshold !== undefined && { threshold }),
      ...(accruedInterest !== undefined && { accruedInterest }),
      message: fillMessage(message, facts, focus),
      basis: annotation.basis,
      evidence: evidence.get(focus.value) ?? [],
    };
    return { finding, key: valuesOf(facts, focus, 'key')[0]?.value ?? '' };
  });
}

/** By severity, then rule id, then key: the same facts always give the same list. */
export function compareFindings(a: KeyedFinding, b: KeyedFinding): number {
  const rank = (f: KeyedFinding) => SEVERITIES.indexOf(f.finding.severity);
  return rank(a) - rank(b) || compareText(a.finding.ruleId, b.finding.ruleId) || compareText(a.key, b.key);
}

interface Candidate {
  annotation: ShapeAnnotation;
  message: string;
}

function outranks(a: Candidate, b: Candidate): boolean {
  const rank = (c: Candidate) => SEVERITIES.indexOf(c.annotation.severity);
  return (rank(a) - rank(b) || a.annotation.order - b.annotation.order || compareText(a.message, b.message)) < 0;
}

/** `{name}` → the fact's tax:name value(s); numbers with thousands separators. Unknown names stay visible. */
function fillMessage(template: string, facts: Dataset, focus: Term): string {
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    const values = valuesOf(facts, focus, name).map((term) =>
      term.termType === 'Literal' && NUMERIC.has(term.datatype.value) ? Number(term.value).toLocaleString('en-US') : term.value,
    );
    return values.length > 0 ? values.sort(compareText).join(', ') : placeholder;
  });
}

function integerOf(facts: Dataset, focus: Term, local: string): number | undefined {
  const term = valuesOf(facts, focus, local)[0];
  if (!term) return undefined;
  const n = Number(term.value);
  if (!Number.isSafeInteger(n)) throw new Error(`tax:${local} of ${focus.value} is not an integer: ${term.value}`);
  return n;
}

function valuesOf(facts: Dataset, focus: Term, local: string): Term[] {
  return [...facts.match(focus as never, rdf.namedNode(tax(local)))].map((q) => q.object as Term);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
