// The pieces of reading a question that the evaluation does not reach at its one date: relative months across year
// boundaries, the checks a model's proposal must pass, and the SPARQL box's rewriting of a query.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { accountVocabulary, type AccountVocabulary } from '../../lib/ask/account-concepts';
import { checkedCall } from '../../lib/ask/checked-call';
import { readQuestion, type MatchContext } from '../../lib/ask/korean-matcher';
import { periodMentions } from '../../lib/ask/korean-periods';
import { EMPTY_GRAPH } from '../../lib/ask/graph-scope';
import { SparqlRefused, scopedSparql } from '../../lib/ask/sparql-box';
import { PROJECT_ROOT } from '../../lib/config';
import { assertCompanyId, assertPeriod, type CompanyId } from '../../lib/domain/ids';
import { loadStandardChart } from '../../lib/erp/chart';
import { companyIri, findingsGraphIri, ledgerGraphIri } from '../../lib/rdf/iris';

const months = (text: string, current: string, future = false) =>
  periodMentions(text, assertPeriod(current), { future }).map((m) => `${m.from}..${m.to}`);

describe('relative months', () => {
  test('read against the month asked in, across year boundaries', () => {
    assert.deepEqual(months('지난달', '2025-01'), ['2024-12..2024-12']);
    assert.deepEqual(months('지난 분기', '2025-02'), ['2024-10..2024-12']);
    assert.deepEqual(months('이번 분기', '2025-02'), ['2025-01..2025-02']);
    assert.deepEqual(months('12월 접대비', '2025-02'), ['2024-12..2024-12']);
    assert.deepEqual(months('3월 신고 기한', '2025-02', true), ['2025-03..2025-03']);
    assert.deepEqual(months('최근 3개월', '2025-01'), ['2024-11..2025-01']);
    assert.deepEqual(months('작년', '2025-06'), ['2024-01..2024-12']);
    assert.deepEqual(months('2023년 11월부터 2024년 2월까지', '2025-06'), ['2023-11..2024-02']);
    assert.deepEqual(months('하반기', '2025-06'), ['2025-07..2025-12']);
    assert.deepEqual(months('금액이 달라진 곳', '2025-06'), [], '이 달 inside a sentence is no month');
    assert.deepEqual(months('13월', '2025-06'), []);
  });
});

describe('a proposed reading', () => {
  let ctx: MatchContext;
  before(async () => {
    const accounts: AccountVocabulary = accountVocabulary(await loadStandardChart(path.join(PROJECT_ROOT, 'ontology/accounts.csv')));
    ctx = {
      now: new Date('2024-06-20T10:00:00+09:00'),
      current: assertPeriod('2024-06'),
      companies: [{ id: assertCompanyId('c01-가람'), name: '(주)가람제조' }],
      accounts,
    };
  });

  test('passes only with the catalogue, months, the asker companies and one kind of account', () => {
    const ok = checkedCall({ intent: 'account-totals', params: { from: '2024-01', to: '2024-06', accounts: ['813', '513'] } }, ctx);
    assert.ok('call' in ok && ok.account?.codes.join() === '513,813', JSON.stringify(ok));
    const bad: unknown[] = [
      { intent: 'findings', params: { companies: ['c02-누리'], from: '2024-06', to: '2024-06' } },
      { intent: 'findings', params: { from: '2024-06', to: '2024-05' } },
      { intent: 'findings', params: { from: '2020-01', to: '2024-06' } },
      { intent: 'account-totals', params: { from: '2024-06', to: '2024-06', accounts: ['813', '401'] } },
      { intent: 'account-trend', params: { from: '2024-06', to: '2024-06', accounts: ['813'] } },
      { intent: 'findings', params: { from: '2024-06', to: '2024-06', ruleIds: ['X"} DROP ALL'] } },
      { intent: 'findings', params: { from: '2024-06', to: '2024-06', extra: 1 } },
      { intent: 'select', params: { from: '2024-06', to: '2024-06' } },
      'findings',
    ];
    for (const proposal of bad) assert.ok('invalid' in checkedCall(proposal, ctx), JSON.stringify(proposal));
    assert.ok('refusal' in checkedCall({ intent: 'none' }, ctx));
  });

  test('the matcher refuses rather than guess', () => {
    for (const question of ['접대비와 복리후생비 합계', '복리후생비 추이 보여줘', '(주)하늘물산 지적사항', '']) {
      assert.ok('refusal' in readQuestion(question, ctx), question);
    }
  });
});

describe('the SPARQL box', () => {
  const garam = [assertCompanyId('c01-가람')] as readonly CompanyId[];
  const graphs = [ledgerGraphIri('c01-가람', '2024-06'), `${ledgerGraphIri('c01-가람', '2024-06')}/staging`, findingsGraphIri('c02-누리', '2024-06')];
  const store = { listGraphs: () => Promise.resolve(graphs) };

  test("a scoped query's dataset is its company's graphs and an empty default graph; LIMIT is capped", async () => {
    const { query, type } = await scopedSparql('SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5000', garam, store, 200);
    assert.equal(type, 'SELECT');
    assert.match(query, new RegExp(`FROM <${EMPTY_GRAPH}>`));
    assert.deepEqual(
      [...query.matchAll(/FROM NAMED <([^>]+)>/g)].map((m) => m[1]),
      [ledgerGraphIri('c01-가람', '2024-06')],
    );
    assert.match(query, /LIMIT 201/);
    assert.ok(!query.includes(companyIri('c02-누리')));
    const small = await scopedSparql('SELECT ?s WHERE { ?s ?p ?o } LIMIT 3', undefined, store, 200);
    assert.match(small.query, /LIMIT 3$/);
    assert.doesNotMatch(small.query, /FROM/);
  });

  test('anything but one SELECT or ASK without SERVICE or FROM is refused', async () => {
    for (const text of [
      'INSERT DATA { <urn:a> <urn:b> <urn:c> }',
      'CONSTRUCT WHERE { ?s ?p ?o }',
      'SELECT * FROM <urn:g> WHERE { ?s ?p ?o }',
      'SELECT * {',
    ]) {
      await assert.rejects(scopedSparql(text, garam, store, 200), SparqlRefused, text);
    }
    const ask = await scopedSparql('ASK { ?s ?p ?o }', garam, store, 200);
    assert.equal(ask.type, 'ASK');
  });
});
