// Maps parsed ledger lines to N-Triples. File text (memo, counterparty) only ever becomes a literal.
import { DataFactory, Writer, type Quad } from 'n3';
import type { Company } from '../domain/company';
import { lastDayOfMonth } from '../domain/periods';
import type { ChartAccount, LedgerLine } from '../domain/ledger';
import { accountIri, companyIri, counterpartyIri, ledgerGraphIri, lineIri, voucherIri } from './iris';
import { RDF_TYPE, RDFS_LABEL, XSD, tax } from './vocabulary';

const { namedNode, literal, quad } = DataFactory;
const a = namedNode(RDF_TYPE);
const label = namedNode(RDFS_LABEL);
const integer = (n: number) => literal(String(n), namedNode(`${XSD}integer`));
const date = (d: string) => literal(d, namedNode(`${XSD}date`));
const p = (local: string) => namedNode(tax(local));

export interface LedgerMappingContext {
  company: Company;
  period: string;
  chart: ReadonlyMap<string, ChartAccount>;
  bizRegNoValid: boolean;
  /** SHA-256 of the file the month is loaded from: tells a retry whether the graph holds this very file. */
  sourceSha256?: string;
}

/** Streams N-Triples chunks for one company-month: company, ledger header, accounts used, vouchers and lines. */
export async function* ledgerToNTriples(
  lines: AsyncIterable<LedgerLine>,
  ctx: LedgerMappingContext,
  stats: { lines: number; vouchers: number } = { lines: 0, vouchers: 0 },
): AsyncGenerator<string> {
  const { company, period } = ctx;
  const companyNode = namedNode(companyIri(company.id));
  const ledgerNode = namedNode(ledgerGraphIri(company.id, period));

  yield serialize([
    quad(companyNode, a, p('Company')),
    quad(companyNode, label, literal(company.name)),
    quad(companyNode, p('companyId'), literal(company.id)),
    quad(companyNode, p('bizRegNo'), literal(company.bizRegNo)),
    quad(companyNode, p('bizRegNoValid'), literal(String(ctx.bizRegNoValid), namedNode(`${XSD}boolean`))),
    quad(companyNode, p('sme'), literal(String(company.sme), namedNode(`${XSD}boolean`))),
    quad(ledgerNode, a, p('Ledger')),
    quad(ledgerNode, p('company'), companyNode),
    quad(ledgerNode, p('period'), literal(period)),
    quad(ledgerNode, p('periodStart'), date(`${period}-01`)),
    quad(ledgerNode, p('periodEnd'), date(lastDayOfMonth(period))),
    ...(ctx.sourceSha256 ? [quad(ledgerNode, p('sourceSha256'), literal(ctx.sourceSha256))] : []),
  ]);

  // Accounts, vouchers and counterparties recur on many lines; their own triples are written once.
  const seen = { accounts: new Set<string>(), vouchers: new Set<string>(), counterparties: new Set<string>() };
  let batch: Quad[] = [];
  for await (const line of lines) {
    batch.push(...lineQuads(line, ctx, seen));
    stats.lines++;
    if (batch.length >= 5000) {
      yield serialize(batch);
      batch = [];
    }
  }
  stats.vouchers = seen.vouchers.size;
  if (batch.length > 0) yield serialize(batch);
}

function lineQuads(
  line: LedgerLine,
  ctx: LedgerMappingContext,
  seen: { accounts: Set<string>; vouchers: Set<string>; counterparties: Set<string> },
): Quad[] {
  const { company, period, chart } = ctx;
  const node = namedNode(lineIri(company.id, period, line.date, line.voucher, line.position));
  const voucherId = voucherIri(company.id, line.date, line.voucher);
  const voucher = namedNode(voucherId);
  const out: Quad[] = [
    quad(node, a, p('JournalLine')),
    quad(node, p('ledger'), namedNode(ledgerGraphIri(company.id, period))),
    quad(node, p('voucher'), voucher),
    quad(node, p('date'), date(line.date)),
    quad(node, p('debit'), integer(line.debit)),
    quad(node, p('credit'), integer(line.credit)),
    quad(node, p('position'), integer(line.position)),
    quad(node, p('sourceLine'), integer(line.sourceLine)),
  ];
  if (line.account !== '') {
    const account = namedNode(accountIri(line.account));
    out.push(quad(node, p('account'), account), quad(node, p('accountCode'), literal(line.account)));
    const known = chart.get(line.account);
    if (known && !seen.accounts.has(line.account)) {
      seen.accounts.add(line.account);
      out.push(
        quad(account, a, p('Account')),
        quad(account, label, literal(known.name, 'ko')),
        quad(account, p('accountCode'), literal(known.code)),
        quad(account, p('accountClass'), literal(known.accountClass, 'ko')),
      );
    }
  }
  if (!seen.vouchers.has(voucherId)) {
    seen.vouchers.add(voucherId);
    out.push(quad(voucher, a, p('Voucher')), quad(voucher, p('date'), date(line.date)));
    if (line.voucher !== undefined) out.push(quad(voucher, p('voucherNumber'), literal(line.voucher)));
  }
  if (line.accountName) out.push(quad(node, p('accountName'), literal(line.accountName)));
  if (line.memo) out.push(quad(node, p('memo'), literal(line.memo)));
  if (line.entryKind !== undefined) out.push(quad(node, p('entryKind'), integer(line.entryKind)));
  if (line.proof !== undefined) out.push(quad(node, p('proofType'), integer(line.proof)));
  if (line.counterpartyCode) {
    const cp = namedNode(counterpartyIri(company.id, line.counterpartyCode));
    out.push(quad(node, p('counterparty'), cp));
    if (!seen.counterparties.has(line.counterpartyCode)) {
      seen.counterparties.add(line.counterpartyCode);
      out.push(quad(cp, a, p('Counterparty')), quad(cp, p('counterpartyCode'), literal(line.counterpartyCode)));
      if (line.counterparty) out.push(quad(cp, label, literal(line.counterparty)));
    }
  }
  if (line.counterparty) out.push(quad(node, p('counterpartyName'), literal(line.counterparty)));
  return out;
}

function serialize(quads: Quad[]): string {
  const writer = new Writer({ format: 'N-Triples' });
  return writer.quadsToString(quads);
}
