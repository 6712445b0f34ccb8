// The figures of the report's tables and charts (findings.json `figures`). The P&L and the balance trends add
// up the company's ledger graphs; the limits, the report month's balances and 인정이자 are read from the facts
// the rule engine derived for the month, so the charts cite exactly the findings' numbers. Call it after
// TaxRuleEngine.evaluate: it reads the derived graph that evaluate writes.
import type { Company } from '../domain/company';
import type { InsiderBalance, MonthlyPnl, PnlAccount, ReportFigures } from '../domain/findings';
import { addMonths, fiscalYearStart } from '../domain/periods';
import type { GraphStore, SelectRow } from '../graph/graph-store';
import { bindIri } from '../rdf/bind-iri';
import { companyIri, ledgerGraphIri } from '../rdf/iris';
import type { QueryCatalog } from '../rdf/query-catalog';
import { derivedGraphIri } from '../rules/tax-rule-engine';

/** Inclusive account-code ranges of the P&L groups (account classes of docs/spec/chart-of-accounts.md). */
const PNL_GROUPS = {
  revenue: [401, 450],
  costOfSales: [451, 500],
  manufacturingCost: [501, 700],
  sga: [801, 900],
  nonOperatingIncome: [901, 930],
  nonOperatingExpense: [931, 997],
} as const satisfies Record<string, readonly [number, number]>;
/** Vehicle cost accounts (docs/spec/tax-rules.md, Terms), for the YTD cost when no vehicle lacks a mileage log. */
const VEHICLE_COST_CODES: ReadonlySet<string> = new Set(['822', '522']);
/** Highest asset code: above it (251-330) a balance is Σcredit − Σdebit (docs/spec/tax-rules.md, Terms). */
const LAST_ASSET_CODE = 250;

/** The numbers of one derived fact (shapes/tax/derive/*.rq). */
interface Fact {
  amount: number;
  yearOpening?: number;
  threshold?: number;
  warnLevel?: number;
  vehiclesWithoutLog?: number;
  accruedInterest?: number;
  account?: string;
}

export async function reportFigures(
  store: GraphStore,
  queries: Pick<QueryCatalog, 'accountMovements' | 'ruleFigures'>,
  company: Company,
  period: string,
): Promise<ReportFigures> {
  const derivedGraph = derivedGraphIri(ledgerGraphIri(company.id, period));
  const [movementRows, factRows] = await Promise.all([
    store.select(bindIri(queries.accountMovements, 'company', companyIri(company.id))),
    store.select(bindIri(queries.ruleFigures, 'derivedGraph', derivedGraph)),
  ]);
  const months = movementsByMonth(movementRows);
  const facts = new Map(factRows.map((row) => [row.ruleId!.value, fact(row)]));
  const current = months.get(period);
  if (!current) throw new Error(`${company.id} ${period}: the report month is not in the graph`);

  const start = fiscalYearStart(period, company.fiscalYearStartMonth);
  const ytdMonths: [string, PnlAccount[]][] = [];
  for (let p = start; p <= period; p = addMonths(p, 1)) {
    const accounts = months.get(p);
    if (accounts) ytdMonths.push([p, accounts]);
  }
  const previousPeriod = addMonths(period, -1);
  const previous = months.get(previousPeriod);
  const entertainment = facts.get('ENT-LIMIT');
  const loan = facts.get('LOAN-INSIDER');
  const deposit = facts.get('DEPOSIT-INSIDER');
  const vehicleCost = vehicleFigures(facts.get('CAR-COST-LIMIT'), company, ytdMonths);
  return {
    pnl: { current: monthlyPnl(period, current), ...(previous && { previous: monthlyPnl(previousPeriod, previous) }) },
    // ⌊warnRatio × L⌋: an integer E is above warnRatio × L exactly when it is above the floor.
    ...(entertainment && {
      entertainment: { ytd: entertainment.amount, limit: entertainment.threshold ?? 0, warnLevel: Math.floor(entertainment.warnLevel ?? 0) },
    }),
    ...(vehicleCost && { vehicleCost }),
    ...(loan && { provisionalPayment: { ...insiderBalance(loan, ytdMonths), accruedInterest: loan.accruedInterest ?? 0 } }),
    ...(deposit && { suspenseReceipt: insiderBalance(deposit, ytdMonths) }),
  };
}

/** The accounts of each month in the graph, by code (the query's order); a month without lines has none. */
function movementsByMonth(rows: readonly SelectRow[]): Map<string, PnlAccount[]> {
  const months = new Map<string, PnlAccount[]>();
  for (const { period, code, name, movement } of rows) {
    const accounts = months.get(period!.value) ?? [];
    if (code) accounts.push({ code: code.value, name: name?.value ?? code.value, amount: Number(movement!.value) });
    months.set(period!.value, accounts);
  }
  return months;
}

function fact(row: SelectRow): Fact {
  const number = (name: string) => (row[name] ? Number(row[name].value) : undefined);
  return {
    amount: Number(row.amount!.value),
    yearOpening: number('yearOpening'),
    threshold: number('threshold'),
    warnLevel: number('warnLevel'),
    vehiclesWithoutLog: number('vehiclesWithoutLog'),
    accruedInterest: number('accruedInterest'),
    account: row.account?.value,
  };
}

const inGroup = (code: string, [lo, hi]: readonly [number, number]) => Number(code) >= lo && Number(code) <= hi;

function monthlyPnl(period: string, accounts: readonly PnlAccount[]): MonthlyPnl {
  /** Σ(debit − credit) of a group: its cost; an income group is 0 − that (never a negative zero). */
  const cost = (group: keyof typeof PNL_GROUPS) => accounts.reduce((sum, a) => (inGroup(a.code, PNL_GROUPS[group]) ? sum + a.amount : sum), 0);
  const revenue = 0 - cost('revenue');
  const costOfSales = cost('costOfSales');
  const manufacturingCost = cost('manufacturingCost');
  const sgaTotal = cost('sga');
  const operatingResult = revenue - costOfSales - manufacturingCost - sgaTotal;
  const nonOperatingIncome = 0 - cost('nonOperatingIncome');
  const nonOperatingExpense = cost('nonOperatingExpense');
  return {
    period,
    revenue,
    costOfSales,
    manufacturingCost,
    sga: accounts.filter((a) => inGroup(a.code, PNL_GROUPS.sga)),
    sgaTotal,
    operatingResult,
    nonOperatingIncome,
    nonOperatingExpense,
    ordinaryResult: operatingResult + nonOperatingIncome - nonOperatingExpense,
  };
}

/**
 * The month-end balances of the fact's account over the fiscal year so far, from the balance the year opened with
 * (stated or carried forward: the fact's), the report month's from the fact.
 */
function insiderBalance(f: Fact, ytdMonths: readonly [string, PnlAccount[]][]): InsiderBalance {
  const account = f.account ?? '';
  const sign = Number(account) <= LAST_ASSET_CODE ? 1 : -1;
  const opening = f.yearOpening ?? 0;
  let balance = opening;
  const trend = ytdMonths.map(([period, accounts]) => {
    balance += sign * (accounts.find((a) => a.code === account)?.amount ?? 0);
    return { period, balance };
  });
  return { account, opening, balance: f.amount, trend };
}

/** The CAR-COST-LIMIT fact when the limit applies; else the YTD cost alone, if the company has vehicles or their cost. */
function vehicleFigures(f: Fact | undefined, company: Company, ytdMonths: readonly [string, PnlAccount[]][]): ReportFigures['vehicleCost'] {
  if (f) return { ytd: f.amount, limit: f.threshold ?? 0, vehiclesWithoutLog: f.vehiclesWithoutLog ?? 0 };
  const lines = ytdMonths.flatMap(([, accounts]) => accounts.filter((a) => VEHICLE_COST_CODES.has(a.code)));
  if (company.vehicles.length === 0 && lines.length === 0) return undefined;
  return { ytd: lines.reduce((sum, a) => sum + a.amount, 0), vehiclesWithoutLog: 0 };
}
