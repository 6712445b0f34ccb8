import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { DataFactory, Parser, Store, type Term } from 'n3';
import { isValidBizRegNo } from '../../lib/erp/biz-reg-no';
import { loadChart } from '../../lib/erp/chart';
import { ledgerPath, listCompanyIds, loadCompany } from '../../lib/erp/company';
import { parseLedger } from '../../lib/erp/parse-ledger';
import { accountIri } from '../../lib/rdf/iris';
import { ledgerToNTriples } from '../../lib/rdf/map-ledger';
import { RDFS_LABEL, RDF_TYPE, TAX, tax } from '../../lib/rdf/vocabulary';
import { CHART_TTL, STANDARD_CHART_CSV, accountClassIri, buildChartTurtle } from '../../scripts/build-chart-ttl';
import { loadStandardChart } from '../../lib/erp/chart';

const { namedNode, quad } = DataFactory;
const ROOT = resolve(__dirname, '../..');
const FIXTURE_DIR = join(ROOT, 'test/fixtures/ledgers');
const OWL = 'http://www.w3.org/2002/07/owl#';
const RDFS = 'http://www.w3.org/2000/01/rdf-schema#';
const RDF_LANG_STRING = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString';

const type = namedNode(RDF_TYPE);
const label = namedNode(RDFS_LABEL);
const domain = namedNode(`${RDFS}domain`);
const range = namedNode(`${RDFS}range`);
const subClassOf = namedNode(`${RDFS}subClassOf`);
const unionOf = namedNode(`${OWL}unionOf`);

function parseTurtle(file: string): Store {
  return new Store(new Parser({ format: 'text/turtle', baseIRI: `file://${file}` }).parse(readFileSync(file, 'utf8')));
}

const ontology = parseTurtle(join(ROOT, 'ontology/tax.ttl'));
const chart = parseTurtle(CHART_TTL);
const lists = ontology.extractLists();

const hasType = (store: Store, subject: string, cls: string) => store.has(quad(namedNode(subject), type, namedNode(cls)));
const objects = (subject: Term, predicate: Term) => ontology.getObjects(subject, predicate, null);

/** The class itself and its superclasses in tax.ttl. */
function superClasses(cls: string): string[] {
  const parents = objects(namedNode(cls), subClassOf).map((t) => t.value);
  return [cls, ...parents.flatMap(superClasses)];
}

/** The classes a domain or range names, expanding an owl:unionOf. */
function classesOf(term: Term): string[] {
  const [union] = objects(term, unionOf);
  return union ? lists[union.value]!.map((t) => t.value) : [term.value];
}

/** Subjects of tax.ttl in the tax: namespace declared with the given rdf:type. */
const declared = (owlType: string) =>
  ontology
    .getSubjects(type, namedNode(owlType), null)
    .map((t) => t.value)
    .filter((iri) => iri.startsWith(TAX));

describe('ontology/tax.ttl', () => {
  test('every tax: class and property has a Korean and an English label', () => {
    const terms = [`${OWL}Class`, `${OWL}ObjectProperty`, `${OWL}DatatypeProperty`, `${OWL}AnnotationProperty`].flatMap(declared);
    assert.ok(terms.length > 40, `only ${terms.length} terms declared`);
    for (const iri of terms) {
      const languages = objects(namedNode(iri), label).map((t) => (t as { language?: string }).language);
      assert.ok(languages.includes('ko') && languages.includes('en'), `${iri} labels: ${languages.join(', ')}`);
    }
  });

  test('declares every tax: class and property lib/rdf/map-ledger.ts writes, with domain and range', () => {
    const source = readFileSync(join(ROOT, 'lib/rdf/map-ledger.ts'), 'utf8');
    const used = new Set([...source.matchAll(/\bp\('([A-Za-z]+)'\)/g)].map((m) => m[1]!));
    assert.ok(used.size > 25, `found only ${used.size} terms: the p('…') pattern no longer matches map-ledger.ts`);
    const classes = new Set(declared(`${OWL}Class`));
    const properties = new Set([...declared(`${OWL}ObjectProperty`), ...declared(`${OWL}DatatypeProperty`)]);
    for (const local of used) {
      const iri = tax(local);
      if (/^[A-Z]/.test(local)) {
        assert.ok(classes.has(iri), `class ${local} is not declared`);
        continue;
      }
      assert.ok(properties.has(iri), `property ${local} is not declared`);
      assert.equal(objects(namedNode(iri), domain).length, 1, `${local} needs one rdfs:domain`);
      assert.equal(objects(namedNode(iri), range).length, 1, `${local} needs one rdfs:range`);
    }
  });

  test('the mapped fixture ledgers respect the declared domains, ranges and datatypes', async () => {
    const data = new Store();
    for (const companyId of await listCompanyIds(FIXTURE_DIR)) {
      const company = await loadCompany(FIXTURE_DIR, companyId);
      const accounts = await loadChart(FIXTURE_DIR, companyId, STANDARD_CHART_CSV);
      const ctx = { company, chart: accounts, bizRegNoValid: isValidBizRegNo(company.bizRegNo), sourceSha256: '0'.repeat(64) };
      for (const file of readdirSync(join(FIXTURE_DIR, 'companies', companyId, 'ledger'))) {
        const period = file.replace(/\.csv$/, '');
        let text = '';
        for await (const chunk of ledgerToNTriples(parseLedger(ledgerPath(FIXTURE_DIR, companyId, period), { period }), { ...ctx, period })) {
          text += chunk;
        }
        data.addQuads(new Parser({ format: 'N-Triples' }).parse(text));
      }
    }
    const checked = new Set<string>();
    for (const q of data.getQuads(null, null, null, null)) {
      if (!q.predicate.value.startsWith(TAX)) continue;
      const property = namedNode(q.predicate.value);
      const [declaredDomain] = objects(property, domain);
      const [declaredRange] = objects(property, range);
      assert.ok(declaredDomain && declaredRange, `${q.predicate.value} has no domain or range`);
      const subjectTypes = data.getObjects(q.subject, type, null).flatMap((t) => superClasses(t.value));
      assert.ok(
        classesOf(declaredDomain).some((cls) => subjectTypes.includes(cls)),
        `${q.subject.value} (${subjectTypes.join(', ')}) outside the domain of ${q.predicate.value}`,
      );
      if (q.object.termType === 'Literal') {
        assert.ok(hasType(ontology, q.predicate.value, `${OWL}DatatypeProperty`), `${q.predicate.value} got a literal`);
        const datatype = q.object.language ? RDF_LANG_STRING : q.object.datatype.value;
        assert.equal(datatype, declaredRange.value, `datatype of ${q.predicate.value}`);
      } else {
        assert.ok(hasType(ontology, q.predicate.value, `${OWL}ObjectProperty`), `${q.predicate.value} got a resource`);
        const objectTypes = data.getObjects(q.object, type, null).map((t) => t.value);
        assert.ok(objectTypes.includes(declaredRange.value), `${q.object.value} is not a ${declaredRange.value}`);
      }
      checked.add(q.predicate.value);
    }
    // Every optional column occurs in the fixtures, so every property the mapping writes got checked.
    const written = ontology.getSubjects(domain, null, null).map((t) => t.value);
    // Written by the derivation queries, or into the reference, findings and review graphs, not by the mapping.
    const elsewhere = [
      'inLedgerMonth',
      'nonZeroSides',
      'debitTotal',
      'creditTotal',
      'lineCount',
      'lawName',
      'articleRef',
      'articleText',
      'message',
      'category',
      'annotates',
      'reviewStatus',
      'note',
      'reviewer',
      'reviewedAt',
      'reviewVersion',
      'reviewedAmount',
    ].map(tax);
    assert.deepEqual([...checked].sort(), written.filter((p) => !elsewhere.includes(p)).sort());
  });
});

describe('ontology/chart-of-accounts.ttl', () => {
  let standard: Awaited<ReturnType<typeof loadStandardChart>>;
  before(async () => {
    standard = await loadStandardChart(STANDARD_CHART_CSV);
  });

  const classOf = (code: string): string => {
    const types = chart.getObjects(namedNode(accountIri(code)), type, null);
    assert.equal(types.length, 1, `account ${code} has ${types.length} types`);
    return types[0]!.value.slice(TAX.length);
  };

  test('holds every account of accounts.csv with its code, Korean name and the class its 분류 names', () => {
    assert.ok(standard.size > 70);
    for (const { code, name, accountClass } of standard.values()) {
      const account = namedNode(accountIri(code));
      assert.deepEqual(
        chart.getObjects(account, namedNode(tax('accountCode')), null).map((t) => t.value),
        [code],
      );
      const [ko] = chart.getObjects(account, label, null);
      assert.equal(ko?.value, name);
      assert.equal((ko as { language?: string }).language, 'ko');
      // The class is found by code range; its Korean label in tax.ttl must be the CSV's 분류.
      const cls = tax(classOf(code));
      const classLabels = objects(namedNode(cls), label).map((t) => t.value);
      assert.ok(classLabels.includes(accountClass), `${code} ${name}: ${cls} is not labelled ${accountClass}`);
      assert.ok(superClasses(cls).includes(tax('Account')), `${cls} is no subclass of tax:Account`);
    }
    assert.equal(chart.getSubjects(type, null, null).length, standard.size, 'accounts beyond accounts.csv');
  });

  test('classes of the code ranges of docs/spec/chart-of-accounts.md, 2xx codes included', () => {
    const expected: Record<string, string> = {
      '101': 'CurrentAsset',
      '134': 'CurrentAsset',
      '146': 'Inventory',
      '167': 'Inventory',
      '201': 'NonCurrentAsset',
      '208': 'NonCurrentAsset',
      '240': 'NonCurrentAsset',
      '251': 'Liability',
      '257': 'Liability',
      '293': 'Liability',
      '331': 'Equity',
      '375': 'Equity',
      '404': 'Revenue',
      '455': 'CostOfSales',
      '513': 'ManufacturingCost',
      '522': 'ManufacturingCost',
      '813': 'SellingAndAdminExpense',
      '835': 'SellingAndAdminExpense',
      '930': 'NonOperatingIncome',
      '931': 'NonOperatingExpense',
      '960': 'NonOperatingExpense',
      '998': 'IncomeTax',
    };
    for (const [code, cls] of Object.entries(expected)) assert.equal(classOf(code), cls, `account ${code}`);
  });

  test('range boundaries; codes outside every range are refused', () => {
    const boundaries: [string, string][] = [
      ['145', 'CurrentAsset'],
      ['175', 'Inventory'],
      ['176', 'CurrentAsset'],
      ['200', 'CurrentAsset'],
      ['250', 'NonCurrentAsset'],
      ['330', 'Liability'],
      ['400', 'Equity'],
      ['450', 'Revenue'],
      ['500', 'CostOfSales'],
      ['700', 'ManufacturingCost'],
      ['801', 'SellingAndAdminExpense'],
      ['900', 'SellingAndAdminExpense'],
      ['901', 'NonOperatingIncome'],
      ['997', 'NonOperatingExpense'],
    ];
    for (const [code, cls] of boundaries) assert.equal(accountClassIri(code), tax(cls), `account ${code}`);
    for (const code of ['100', '750', '999', '12', 'abc']) assert.throws(() => accountClassIri(code), RangeError, code);
  });

  test('is up to date with accounts.csv (run `tsx scripts/build-chart-ttl.ts` after editing the CSV)', async () => {
    assert.equal(readFileSync(CHART_TTL, 'utf8'), await buildChartTurtle(STANDARD_CHART_CSV));
  });
});
