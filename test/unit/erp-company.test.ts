import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { LedgerFormatError } from '../../lib/domain/ledger';
import { bizRegNoCheckDigit, isValidBizRegNo } from '../../lib/erp/biz-reg-no';
import { loadChart } from '../../lib/erp/chart';
import { UnknownCompanyError, ledgerPath, listCompanyIds, loadCompany, scanCompanyDirs } from '../../lib/erp/company';

const FIXTURE_DIR = resolve(__dirname, '../fixtures/ledgers');
const STANDARD_CHART = resolve(__dirname, '../../ontology/accounts.csv');
const FIXTURE_BIZ_REG_NOS = ['291-41-77767', '848-47-51357', '421-90-54683', '367-58-37148', '170-69-64561', '706-49-52997'];

const tmp = mkdtempSync(join(tmpdir(), 'erp-company-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const VALID = {
  id: 'a-nomu',
  name: '(주)에이노무법인',
  bizRegNo: '291-41-77767',
  sme: true,
  fiscalYearStartMonth: 1,
  industry: '노무법인',
  reportRecipients: ['ceo@example.kr'],
};

let dirNo = 0;
/** A fresh data dir holding one company folder with the given company.json text (or none). */
function dataDir(id: string, json?: string | Buffer, files: Record<string, string | Buffer> = {}): string {
  const dir = join(tmp, `data-${++dirNo}`);
  const companyDir = join(dir, 'companies', id);
  mkdirSync(companyDir, { recursive: true });
  if (json !== undefined) writeFileSync(join(companyDir, 'company.json'), json);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(companyDir, name), content);
  return dir;
}
const companyJson = (fields: Record<string, unknown>) => JSON.stringify(fields, null, 2);

async function loadError(dir: string, id: string): Promise<LedgerFormatError> {
  try {
    await loadCompany(dir, id);
  } catch (err) {
    assert.ok(err instanceof LedgerFormatError, `expected LedgerFormatError, got ${String(err)}`);
    return err;
  }
  assert.fail('company loaded without error');
}

describe('loadCompany', () => {
  test('loads every fixture company', async () => {
    const ids = await listCompanyIds(FIXTURE_DIR);
    assert.deepEqual(ids, ['c00-한빛', 'c01-가람', 'c02-누리', 'c03-다솜', 'c04-미르', 'c05-새봄']);
    const companies = await Promise.all(ids.map((id) => loadCompany(FIXTURE_DIR, id)));
    assert.deepEqual(
      companies.map((c) => c.bizRegNo),
      FIXTURE_BIZ_REG_NOS,
    );
    const mir = companies[4]!;
    assert.deepEqual(mir.openingBalances, { '134': 80000000 });
    assert.equal(mir.sme, true);
    assert.deepEqual(companies[2]!.reportRecipients, ['ceo2@example.kr']);
  });

  test('fills the optional fields with their defaults and accepts a BOM', async () => {
    const dir = dataDir('a-nomu', `\uFEFF${companyJson(VALID)}`);
    assert.deepEqual(await loadCompany(dir, 'a-nomu'), { ...VALID, vehicles: [], openingBalances: {} });
  });

  test('keeps vehicles, opening balances and the related-party share', async () => {
    const full = {
      ...VALID,
      relatedPartyRevenueShare: 0.25,
      vehicles: [{ plate: '12가3456', businessInsurance: false, mileageLog: true }],
      openingBalances: { '134': 50_000_000, '257': -1000 },
    };
    assert.deepEqual(await loadCompany(dataDir('a-nomu', companyJson(full)), 'a-nomu'), full);
  });

  test('opening balances with the fiscal-year start they are as of', async () => {
    const dated = { ...VALID, fiscalYearStartMonth: 4, openingBalances: { asOf: '2024-04-01', '134': 50_000_000 } };
    const company = await loadCompany(dataDir('a-nomu', companyJson(dated)), 'a-nomu');
    assert.deepEqual([company.openingBalances, company.openingBalancesAsOf], [{ '134': 50_000_000 }, '2024-04-01']);
  });

  test('a Hangul company id', async () => {
    const dir = dataDir('가나상사', companyJson({ ...VALID, id: '가나상사' }));
    assert.equal((await loadCompany(dir, '가나상사')).id, '가나상사');
  });

  test('malformed JSON names the file and the line of the error', async () => {
    const cases: [string, number][] = [
      ['{\n  "id": "a-nomu",\n  "sme": tru,\n  "name": "x"\n}\n', 3],
      ['{\n  "id": "a-nomu",\n  "name": "x",\n}\n', 4],
      ['{\n  "id": "a-nomu"\n  "name": "x"\n}\n', 3],
      ['{\n  "id": "a-nomu",\n  "reportRecipients": [\n    "a@example.kr",\n', 5],
      ['{\n  "id": "a-nomu",\n  "name": "line\nbreak"\n}\n', 3],
      ['{ "id": "a-nomu" }\n\n}', 3],
    ];
    for (const [text, line] of cases) {
      const dir = dataDir('a-nomu', text);
      const err = await loadError(dir, 'a-nomu');
      assert.equal(err.file, join(dir, 'companies', 'a-nomu', 'company.json'));
      assert.equal(err.line, line, text);
      assert.match(err.problem, /^malformed JSON/);
    }
  });

  test('schema violations name the field', async () => {
    const { sme: _sme, ...withoutSme } = VALID;
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [withoutSme, 'sme', /expected boolean/],
      [{ ...VALID, reportRecipients: ['ceo@example.kr', 'not-an-email'] }, 'reportRecipients.1', /email/i],
      [{ ...VALID, reportRecipients: [] }, 'reportRecipients', /./],
      [{ ...VALID, bizRegNo: '2914177767' }, 'bizRegNo', /NNN-NN-NNNNN/],
      [{ ...VALID, fiscalYearStartMonth: 13 }, 'fiscalYearStartMonth', /./],
      [{ ...VALID, fiscalYearStartMonth: 1.5 }, 'fiscalYearStartMonth', /./],
      [{ ...VALID, relatedPartyRevenueShare: 1.2 }, 'relatedPartyRevenueShare', /./],
      [{ ...VALID, vehicles: [{ plate: '12가3456', businessInsurance: 'yes', mileageLog: true }] }, 'vehicles.0.businessInsurance', /./],
      [{ ...VALID, openingBalances: { '1340': 1 } }, 'openingBalances.1340', /3-digit/],
      [{ ...VALID, openingBalances: { '134': 1.5 } }, 'openingBalances.134', /./],
      [{ ...VALID, openingBalances: { asOf: '2024-4-1', '134': 1 } }, 'openingBalances.asOf', /YYYY-MM-DD/],
      [
        { ...VALID, openingBalances: { asOf: '2024-04-01', '134': 1 } },
        'openingBalances.asOf',
        /^2024-04-01 is not a fiscal-year start: expected YYYY-01-01/,
      ],
      [{ ...VALID, name: '  ' }, 'name', /./],
    ];
    for (const [fields, column, problem] of cases) {
      const err = await loadError(dataDir('a-nomu', companyJson(fields)), 'a-nomu');
      assert.equal(err.column, column, JSON.stringify(fields));
      assert.match(err.problem, problem);
    }
  });

  test('schema violations name the line of the field, or of the object that lacks it', async () => {
    const { name: _name, ...withoutName } = VALID;
    const withVehicle = { ...VALID, vehicles: [{ plate: '12가3456', mileageLog: true }] };
    const cases: [string, number, RegExp][] = [
      [companyJson({ ...VALID, fiscalYearStartMonth: 13 }), 6, /<=12/],
      [companyJson({ ...VALID, reportRecipients: ['ceo@example.kr', 'not-an-email'] }), 10, /email/i],
      [companyJson({ ...VALID, openingBalances: { '101': 1, '1340': 1 } }), 13, /3-digit/],
      [companyJson(withoutName), 1, /^required field missing: expected string$/],
      [companyJson(withVehicle), 12, /^required field missing: expected boolean$/],
      // JSON.parse keeps the last of a repeated key, so that is the one to point at.
      [companyJson(VALID).replace('"sme": true,', '"sme": true,\n  "sme": "yes",'), 6, /expected boolean/],
      [companyJson({ ...VALID, id: 'b-jejo' }), 2, /differs from the folder name/],
    ];
    for (const [text, line, problem] of cases) {
      const err = await loadError(dataDir('a-nomu', text), 'a-nomu');
      assert.equal(err.line, line, `${err.message}\n${text}`);
      assert.match(err.problem, problem);
      assert.ok(err.message.includes(`company.json:${line} [`), err.message);
    }
  });

  test('a bad bizRegNo checksum is not a load error (DQ-BIZREGNO warns about it)', async () => {
    const company = await loadCompany(dataDir('a-nomu', companyJson({ ...VALID, bizRegNo: '291-41-77760' })), 'a-nomu');
    assert.equal(company.bizRegNo, '291-41-77760');
  });

  test('the id must equal the folder name', async () => {
    const err = await loadError(dataDir('a-nomu', companyJson({ ...VALID, id: 'b-jejo' })), 'a-nomu');
    assert.equal(err.column, 'id');
    assert.match(err.problem, /differs from the folder name/);
  });

  test('an unknown company is an UnknownCompanyError', async () => {
    const dir = dataDir('a-nomu', companyJson(VALID));
    await assert.rejects(loadCompany(dir, 'z-none'), (err) => err instanceof UnknownCompanyError && err.companyId === 'z-none');
    // A folder without company.json is no company either.
    await assert.rejects(loadCompany(dataDir('b-jejo'), 'b-jejo'), { name: 'UnknownCompanyError' });
  });

  test('hostile ids are refused before touching the file system', async () => {
    for (const id of ['../etc', 'a/b', 'a b', '.', '..', '', 'a\\b', 'a\0b', 'x'.repeat(65), 'a.json']) {
      await assert.rejects(loadCompany(FIXTURE_DIR, id), { name: 'InvalidIdError' }, JSON.stringify(id));
      assert.throws(() => ledgerPath(FIXTURE_DIR, id, '2024-01'), { name: 'InvalidIdError' });
    }
  });
});

describe('listCompanyIds and ledgerPath', () => {
  test('lists only well-named folders with a company.json, sorted', async () => {
    const dir = dataDir('b-jejo', companyJson({ ...VALID, id: 'b-jejo' }));
    for (const [id, json] of [
      ['a-nomu', '{}'], // listed: validity is loadCompany's concern
      ['가나상사', '{}'],
      ['no-master', undefined],
      ['bad name', '{}'],
      ['.hidden', '{}'],
    ] as const) {
      mkdirSync(join(dir, 'companies', id), { recursive: true });
      if (json) writeFileSync(join(dir, 'companies', id, 'company.json'), json);
    }
    writeFileSync(join(dir, 'companies', 'c-file'), 'not a folder');
    assert.deepEqual(await listCompanyIds(dir), ['a-nomu', 'b-jejo', '가나상사']);
  });

  test('every other folder or link is named with the reason it is no company', async () => {
    const dir = dataDir('a-nomu', companyJson(VALID));
    const nfd = '가나상사'.normalize('NFD');
    for (const name of ['bad%2fname', 'a..b', 'no-master', nfd]) mkdirSync(join(dir, 'companies', name));
    writeFileSync(join(dir, 'companies', 'bad%2fname', 'company.json'), '{}');
    symlinkSync(join(dir, 'companies', 'a-nomu'), join(dir, 'companies', 'linked'));
    writeFileSync(join(dir, 'companies', '.DS_Store'), '');
    const { ids, skipped } = await scanCompanyDirs(dir);
    assert.deepEqual(ids, ['a-nomu']);
    assert.deepEqual(
      skipped.map((s) => [s.name, s.reason]),
      [
        ['a..b', 'invalid company id "a..b": expected 1-64 characters of A-Z a-z 0-9 _ - or Hangul syllables'],
        ['bad%2fname', 'invalid company id "bad%2fname": expected 1-64 characters of A-Z a-z 0-9 _ - or Hangul syllables'],
        ['linked', 'a symbolic link: the data directory takes real folders only'],
        ['no-master', 'no company.json in it'],
        [
          nfd,
          `invalid company id ${JSON.stringify(nfd)}: expected 1-64 characters of A-Z a-z 0-9 _ - or Hangul syllables; its Hangul is decomposed (NFD): rename it in composed form (NFC)`,
        ],
      ],
    );
  });

  test('ledgerPath builds the month file path and validates the period', () => {
    assert.equal(ledgerPath('/data', '가나상사', '2024-03'), join('/data', 'companies', '가나상사', 'ledger', '2024-03.csv'));
    for (const period of ['2024-13', '2024-3', '../2024-03', '2024-03.csv']) {
      assert.throws(() => ledgerPath('/data', 'a-nomu', period), { name: 'InvalidIdError' });
    }
  });
});

describe('사업자등록번호 checksum', () => {
  test('the fixture companies pass, and only one check digit is valid for each', () => {
    for (const no of FIXTURE_BIZ_REG_NOS) {
      assert.ok(isValidBizRegNo(no), no);
      const valid = [...'0123456789'].filter((d) => isValidBizRegNo(no.slice(0, -1) + d));
      assert.deepEqual(valid, [no.at(-1)]);
    }
  });

  test('worked example: 220-81-62517', () => {
    // 2·1 + 2·3 + 0·7 + 8·1 + 1·3 + 6·7 + 2·1 + 5·3 + 1·5 = 83, + ⌊1·5/10⌋ = 83 → (10 − 3) % 10 = 7
    assert.equal(bizRegNoCheckDigit('220816251'), 7);
    assert.ok(isValidBizRegNo('220-81-62517'));
    assert.ok(isValidBizRegNo('2208162517'));
  });

  test('the tens of the 9th digit × 5 count once more', () => {
    // 1·1 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 9·5 = 46, + ⌊45/10⌋ = 50 → check digit 0 (without the carry: 4)
    assert.equal(bizRegNoCheckDigit('100000009'), 0);
    assert.ok(isValidBizRegNo('100-00-00090'));
    assert.ok(!isValidBizRegNo('100-00-00094'));
  });

  test('malformed numbers are invalid', () => {
    for (const no of ['', '220-81-6251', '220-81-625177', '220-8-162517', '22081-62517', '220 81 62517', 'abc-de-fghij', '220-81-62518']) {
      assert.equal(isValidBizRegNo(no), false, no);
    }
  });
});

describe('loadChart', () => {
  test('the standard chart alone when the client has none', async () => {
    const chart = await loadChart(FIXTURE_DIR, 'c00-한빛', STANDARD_CHART);
    assert.equal(chart.size, 74);
    assert.deepEqual(chart.get('134'), { code: '134', name: '가지급금', accountClass: '유동자산' });
    assert.deepEqual(chart.get('257'), { code: '257', name: '가수금', accountClass: '부채' });
    assert.equal(chart.get('850'), undefined);
  });

  test('a CP949 client chart renames accounts and adds codes', async () => {
    const clientChart = iconv.encode('계정코드,계정과목,분류\r\n813,접대비,\r\n850,협회비,판매비와관리비\r\n', 'cp949');
    const dir = dataDir('a-nomu', companyJson(VALID), { 'accounts.csv': clientChart });
    const chart = await loadChart(dir, 'a-nomu', STANDARD_CHART);
    assert.equal(chart.size, 75);
    assert.deepEqual(chart.get('813'), { code: '813', name: '접대비', accountClass: '판매비와관리비' });
    assert.deepEqual(chart.get('850'), { code: '850', name: '협회비', accountClass: '판매비와관리비' });
  });

  test('client chart errors name file, line and column', async () => {
    const cases: [string, number, string | undefined, RegExp][] = [
      ['계정코드,계정과목,분류\n813,접대비,\n85,협회비,판매비와관리비\n', 3, '계정코드', /3-digit/],
      ['계정코드,계정과목,분류\n850,협회비,판매비와관리비\n850,회비,판매비와관리비\n', 3, '계정코드', /listed twice/],
      ['계정코드,계정과목,분류\n850,협회비,\n', 2, '분류', /no class/],
      ['계정코드,계정과목\n850,협회비\n', 1, '분류', /required column missing/],
    ];
    for (const [text, line, column, problem] of cases) {
      const dir = dataDir('a-nomu', companyJson(VALID), { 'accounts.csv': text });
      const file = join(dir, 'companies', 'a-nomu', 'accounts.csv');
      await assert.rejects(loadChart(dir, 'a-nomu', STANDARD_CHART), (err) => {
        assert.ok(err instanceof LedgerFormatError);
        assert.deepEqual([err.file, err.line, err.column], [file, line, column]);
        assert.match(err.problem, problem);
        return true;
      });
    }
  });

  test('refuses a hostile company id', async () => {
    await assert.rejects(loadChart(FIXTURE_DIR, '../c00-한빛', STANDARD_CHART), { name: 'InvalidIdError' });
  });
});
