// The facts a rule run needs that the ledger graphs lack: company.json master data and the fiscal calendar,
// as triples of the run's facts graph. Text from company.json (plates) only ever becomes a literal.
import { DataFactory, Writer, type Quad } from 'n3';
import type { BalanceAnchor } from '../domain/balances';
import type { Company } from '../domain/company';
import { addMonths, fiscalYearStart } from '../domain/periods';
import { companyIri } from '../rdf/iris';
import { RDF_TYPE, XSD, tax } from '../rdf/vocabulary';

const { namedNode, literal, quad } = DataFactory;
const p = (local: string) => namedNode(tax(local));
const typed = (value: string, type: string) => literal(value, namedNode(`${XSD}${type}`));
const integer = (n: number) => typed(String(n), 'integer');
const boolean = (b: boolean) => typed(String(b), 'boolean');

export interface RunFactsInput {
  /** IRI of the facts graph; also the node describing the run. */
  factsGraph: string;
  ledgerGraph: string;
  company: Company;
  period: string;
  /** The balances the balance rules add the months' movements to, and the month they are as of. */
  balances: BalanceAnchor;
}

export function runFactsNTriples({ factsGraph, ledgerGraph, company, period, balances }: RunFactsInput): string {
  const run = namedNode(factsGraph);
  const companyNode = namedNode(companyIri(company.id));
  const start = fiscalYearStart(period, company.fiscalYearStartMonth);
  let months = 1;
  for (let m = start; m < period; m = addMonths(m, 1)) months++;

  const quads: Quad[] = [
    quad(run, namedNode(RDF_TYPE), p('RuleRun')),
    quad(run, p('reportLedger'), namedNode(ledgerGraph)),
    quad(run, p('company'), companyNode),
    quad(run, p('fiscalYearStart'), typed(`${start}-01`, 'date')),
    quad(run, p('fiscalMonths'), integer(months)),
    quad(run, p('balancesFrom'), typed(`${balances.from}-01`, 'date')),
    quad(companyNode, p('sme'), boolean(company.sme)),
  ];
  if (company.relatedPartyRevenueShare !== undefined) {
    const share = typed(decimal(company.relatedPartyRevenueShare), 'decimal');
    quads.push(quad(companyNode, p('relatedPartyRevenueShare'), share));
  }
  for (const [code, amount] of Object.entries(balances.balances)) {
    const node = namedNode(`${factsGraph}/opening/${encodeURIComponent(code)}`);
    quads.push(quad(companyNode, p('openingBalance'), node), quad(node, p('accountCode'), literal(code)), quad(node, p('amount'), integer(amount)));
  }
  for (const vehicle of company.vehicles) {
    const node = namedNode(`${factsGraph}/vehicle/${encodeURIComponent(vehicle.plate)}`);
    quads.push(
      quad(companyNode, p('vehicle'), node),
      quad(node, p('plate'), literal(vehicle.plate)),
      quad(node, p('businessInsurance'), boolean(vehicle.businessInsurance)),
      quad(node, p('mileageLog'), boolean(vehicle.mileageLog)),
    );
  }
  return new Writer({ format: 'N-Triples' }).quadsToString(quads);
}

/** xsd:decimal lexical form of a share in [0, 1] (String() would give "1e-7" for small ones). */
function decimal(n: number): string {
  return n.toFixed(12).replace(/\.?0+$/, '');
}
