import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { detectEncoding, openDecodedStream, type SourceEncoding } from '../../lib/erp/decode';
import { parseLedger } from '../../lib/erp/parse-ledger';
import { parseFailure, parseLines } from '../support/parsed-ledger';

const FIXTURES = resolve(__dirname, '../fixtures/ledgers/companies');
const HEADER = '전표일자,전표번호,구분,계정코드,계정과목,차변,대변,거래처코드,거래처,적요,증빙구분';
const ROW_CELLS = ['2024-01-02', '00007', '3', '811', '복리후생비', '"1,000"', '', '00042', '식당', '회식', '3'];
/** A data row as CSV text, with some cells (by index) replaced. */
const row = (cells: Partial<Record<number, string>> = {}) => ROW_CELLS.map((cell, i) => cells[i] ?? cell).join(',');
const ROW = row();

const tmp = mkdtempSync(join(tmpdir(), 'erp-parse-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let fileNo = 0;
function tempFile(content: string | Buffer): string {
  const path = join(tmp, `ledger-${++fileNo}.csv`);
  writeFileSync(path, content);
  return path;
}

const parseAll = (path: string, period = '2024-01') => parseLines(path, { period });
const parseError = (path: string) => parseFailure(path, { period: '2024-01' });

const FIXTURE_ENCODINGS: Record<string, SourceEncoding> = {
  'c00-한빛': 'utf-8',
  'c01-가람': 'cp949',
  'c02-누리': 'utf-8-bom',
  'c03-다솜': 'utf-8',
  'c04-미르': 'cp949',
  'c05-새봄': 'utf-8-bom',
};

const fixtureLedgers = Object.keys(FIXTURE_ENCODINGS).flatMap((company) =>
  readdirSync(join(FIXTURES, company, 'ledger')).map((file) => ({
    company,
    period: file.slice(0, 7),
    path: join(FIXTURES, company, 'ledger', file),
  })),
);

/** The fixture's text by its known encoding, read independently of the code under test. */
function fixtureText(company: string, path: string): string {
  const bytes = readFileSync(path);
  return FIXTURE_ENCODINGS[company] === 'cp949' ? iconv.decode(bytes, 'cp949') : bytes.toString('utf8').replace(/^\uFEFF/, '');
}

const amountOf = (cell: string | undefined) => Number((cell ?? '').replace(/[",]/g, ''));

describe('fixture ledgers', () => {
  test('every fixture is there: 6 companies × 6 months', () => {
    assert.equal(fixtureLedgers.length, 36);
  });

  test('detects the encoding of each fixture', async () => {
    for (const { company, path } of fixtureLedgers) assert.equal(await detectEncoding(path), FIXTURE_ENCODINGS[company], path);
  });

  test('parses each fixture: all data rows, subtotal rows dropped, debit total = credit total', async () => {
    let withSubtotals = 0;
    for (const { company, period, path } of fixtureLedgers) {
      const rows = fixtureText(company, path).split(/\r?\n/).filter(Boolean).slice(1);
      const subtotals = rows.filter((row) => /^(월계|누계),/.test(row));
      const lines = await parseAll(path, period);

      assert.equal(lines.length, rows.length - subtotals.length, path);
      assert.deepEqual(
        lines.map((l) => l.position),
        lines.map((_, i) => i + 1),
      );
      // No multi-line memos in the fixtures: data row i sits on file line i + 2.
      assert.deepEqual(
        lines.map((l) => l.sourceLine),
        lines.map((_, i) => i + 2),
      );
      const debit = lines.reduce((sum, l) => sum + l.debit, 0);
      const credit = lines.reduce((sum, l) => sum + l.credit, 0);
      assert.equal(debit, credit, path);
      assert.ok(debit > 0);
      for (const l of lines) {
        assert.match(l.date, /^\d{4}-\d{2}-\d{2}$/);
        assert.ok(l.date.startsWith(period), `${path}:${l.sourceLine} ${l.date}`);
        assert.match(l.voucher ?? '', /^0000\d$/, 'voucher numbers keep their leading zeros');
        assert.match(l.account, /^\d{3}$/);
      }
      const monthTotal = subtotals.find((row) => row.startsWith('월계,'));
      if (monthTotal) {
        withSubtotals++;
        // The 월계 row repeats the month's totals: had it been kept, the sums would double.
        const cells = monthTotal.match(/("[^"]*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ''));
        assert.equal(debit, amountOf(cells[5]), path);
      }
    }
    assert.equal(withSubtotals, 18, 'three fixture companies export 월계/누계 rows');
  });

  test('reads a CP949 fixture line field by field', async () => {
    const [first] = await parseAll(join(FIXTURES, 'c01-가람', 'ledger', '2024-01.csv'));
    assert.deepEqual(first, {
      sourceLine: 2,
      position: 1,
      date: '2024-01-03',
      voucher: '00001',
      entryKind: 3,
      account: '814',
      accountName: '통신비',
      debit: 302000,
      credit: 0,
      counterpartyCode: '98649',
      counterparty: '통신사',
      memo: '통신비',
      proof: 3,
      extra: undefined,
    });
  });
});

describe('parseLedger on crafted files', () => {
  test('normalizes the four date spellings, keeps leading zeros and reads CP949 with aliases and extra columns', async () => {
    const text = [
      '일자,전표번호,계정과목코드,계정과목명,차변,대변,거래처코드,거래처명,적요명,현장,비고',
      '2024-01-05,00001,813,기업업무추진비,"1,234,000",,00042,한우명가,거래처 접대,판교,',
      '2024.01.05,00001,253,미지급금,,1234000,00099,신한카드,법인카드,판교,확인',
      '2024/01/06,00002,101,현금,50000,,,,,,',
      '20240106,00002,930,잡이익,,050000,,,,,',
    ].join('\r\n');
    const lines = await parseAll(tempFile(iconv.encode(text, 'cp949')));
    assert.deepEqual(
      lines.map((l) => l.date),
      ['2024-01-05', '2024-01-05', '2024-01-06', '2024-01-06'],
    );
    assert.deepEqual(lines[0], {
      sourceLine: 2,
      position: 1,
      date: '2024-01-05',
      voucher: '00001',
      entryKind: undefined,
      account: '813',
      accountName: '기업업무추진비',
      debit: 1234000,
      credit: 0,
      counterpartyCode: '00042',
      counterparty: '한우명가',
      memo: '거래처 접대',
      proof: undefined,
      extra: { 현장: '판교' },
    });
    assert.deepEqual(lines[1]!.extra, { 현장: '판교', 비고: '확인' });
    assert.equal(lines[3]!.credit, 50000);
    assert.equal(lines[2]!.counterpartyCode, undefined);
  });

  test('quoted memos may hold commas, quotes and CRLF line breaks; later records keep their file lines', async () => {
    const text = [
      HEADER,
      '2024-01-02,00001,3,830,소모품비,55000,,00520,오피스디포,"사무용품, 토너\r\n""A4"" 용지\r\n3박스",3',
      '',
      '2024-01-02,00001,4,253,미지급금,,55000,00099,신한카드,법인카드,',
      '',
      '',
      ROW,
      '',
    ].join('\r\n');
    const lines = await parseAll(tempFile(text));
    assert.equal(lines[0]!.memo, '사무용품, 토너\r\n"A4" 용지\r\n3박스');
    assert.deepEqual(
      lines.map((l) => [l.sourceLine, l.position]),
      [
        [2, 1],
        [6, 2],
        [9, 3],
      ],
    );
  });

  test('drops subtotal rows: empty date, 월계, 누계, 합계, 전월이월', async () => {
    const text = [
      HEADER,
      '전월이월,,,,,"9,000",,,,,',
      ROW,
      ',,,,,,,,,,',
      '월계,,,,,"1,000","1,000",,,,',
      ' 누 계 ,,,,,,,,,,',
      '합계,,,,,,,,,,',
      ROW,
    ].join('\n');
    const lines = await parseAll(tempFile(text));
    assert.deepEqual(
      lines.map((l) => [l.sourceLine, l.position, l.debit]),
      [
        [3, 1, 1000],
        [8, 2, 1000],
      ],
    );
  });

  test('passes semantic problems through with their values for the data-quality rules', async () => {
    const text = [
      HEADER,
      '2024-02-01,00001,3,811,복리후생비,1000,,,,다음 달 날짜,3',
      '2024-01-03,00001,3,811,복리후생비,1000,500,,,양쪽 금액,3',
      '2024-01-03,00002,3,811,복리후생비,,,,,금액 없음,3',
      '2024-01-04,00001,3,999,없는계정,7000,,,,미등록 계정,',
      '2024-01-05,00001,3,,,7000,,,,계정 없음,',
    ].join('\n');
    const lines = await parseAll(tempFile(text));
    assert.deepEqual(
      lines.map((l) => [l.date, l.account, l.debit, l.credit]),
      [
        ['2024-02-01', '811', 1000, 0],
        ['2024-01-03', '811', 1000, 500],
        ['2024-01-03', '811', 0, 0],
        ['2024-01-04', '999', 7000, 0],
        ['2024-01-05', '', 7000, 0],
      ],
    );
  });

  test('rejects a malformed period before reading', () => {
    assert.throws(() => parseLedger(tempFile(HEADER), { period: '2024-1' }), { name: 'InvalidIdError' });
  });
});

describe('parseLedger errors name file, line and column', () => {
  const cases: { name: string; content: string | Buffer; line: number; column: string | undefined; problem: RegExp }[] = [
    {
      name: 'unclosed quote',
      content: [HEADER, ROW, row({ 9: '"회식' }), '2024-01-03,00001,3,811,복리후생비,1000,,,,,3'].join('\n'),
      line: 3,
      column: '적요',
      problem: /unclosed quote/,
    },
    { name: 'quote inside an unquoted field', content: [HEADER, ROW, row({ 9: '회"식' })].join('\n'), line: 3, column: '적요', problem: /quote/ },
    {
      name: 'wrong number of fields',
      content: [HEADER, ROW, ROW_CELLS.slice(0, 10).join(',')].join('\n'),
      line: 3,
      column: undefined,
      problem: /expected 11 fields/,
    },
    {
      name: 'month 13',
      content: [HEADER, ROW, row({ 0: '2024-13-01' })].join('\n'),
      line: 3,
      column: '전표일자',
      problem: /unparseable date "2024-13-01"/,
    },
    { name: 'February 30', content: [HEADER, row({ 0: '2024.02.30' })].join('\n'), line: 2, column: '전표일자', problem: /unparseable date/ },
    { name: 'mixed separators', content: [HEADER, row({ 0: '2024-01/02' })].join('\n'), line: 2, column: '전표일자', problem: /unparseable date/ },
    {
      name: 'date under an alias',
      content: [HEADER.replace('전표일자', '일자'), row({ 0: '02.01.2024' })].join('\n'),
      line: 2,
      column: '일자',
      problem: /expected YYYY-MM-DD/,
    },
    { name: 'negative amount', content: [HEADER, ROW, ROW, row({ 5: '-1000' })].join('\n'), line: 4, column: '차변', problem: /negative amount/ },
    {
      name: 'negative amount in parentheses',
      content: [HEADER, row({ 6: '(1000)', 5: '' })].join('\n'),
      line: 2,
      column: '대변',
      problem: /negative amount/,
    },
    {
      name: 'non-numeric amount',
      content: [HEADER, row({ 6: '12a', 5: '' })].join('\n'),
      line: 2,
      column: '대변',
      problem: /"12a" is not an amount/,
    },
    { name: 'misplaced separator', content: [HEADER, row({ 5: '"1,00,000"' })].join('\n'), line: 2, column: '차변', problem: /not an amount/ },
    { name: 'decimal amount', content: [HEADER, row({ 5: '1000.5' })].join('\n'), line: 2, column: '차변', problem: /whole won/ },
    { name: 'bad 구분', content: [HEADER, row({ 2: '7' })].join('\n'), line: 2, column: '구분', problem: /expected 1 출금/ },
    { name: 'bad 증빙구분', content: [HEADER, row({ 10: '5' })].join('\n'), line: 2, column: '증빙구분', problem: /expected 1 세금계산서/ },
    {
      name: 'missing 계정코드',
      content: [HEADER.replace('계정코드,', ''), row({ 3: '' }).replace(',,', ',')].join('\n'),
      line: 1,
      column: '계정코드',
      problem: /required column missing/,
    },
    {
      name: 'missing both amount columns',
      content: '전표일자,계정코드,계정과목\n2024-01-02,811,복리후생비\n',
      line: 1,
      column: '차변',
      problem: /neither 차변 nor 대변/,
    },
    {
      name: 'duplicate column through an alias',
      content: `${HEADER},일자\n${ROW},2024-01-02\n`,
      line: 1,
      column: '일자',
      problem: /duplicate column: columns 1 \(전표일자\) and 12 \(일자\)/,
    },
    { name: 'duplicate unknown column', content: `${HEADER},비고,비고\n${ROW},a,b\n`, line: 1, column: '비고', problem: /duplicate column/ },
    { name: 'empty file', content: '', line: 1, column: undefined, problem: /empty file/ },
    {
      name: 'no header row',
      content: `${ROW}\n${ROW}\n`,
      line: 1,
      column: undefined,
      problem: /^no header row: line 1 holds data \("2024-01-02" is a date\)/,
    },
    {
      // UTF-8 stops at the first Hangul byte; the file is CP949 and breaks where CP949 stops.
      name: 'CP949 export with a byte that starts no CP949 character',
      content: Buffer.concat([iconv.encode(`${HEADER}\n${ROW}\n`, 'cp949'), Buffer.from([0xff, 0x41]), iconv.encode(`\n${ROW}\n`, 'cp949')]),
      line: 3,
      column: undefined,
      problem: /not valid UTF-8 \(first invalid byte at offset 0, line 1\) nor CP949 \(first invalid byte at offset \d+, line 3\)/,
    },
    {
      name: 'CP949 export cut inside its last character',
      content: iconv.encode(`${HEADER}\n${ROW}\n${ROW_CELLS.slice(0, 10).join(',')}`, 'cp949').subarray(0, -1),
      line: 3,
      column: undefined,
      problem: /nor CP949 \(first invalid byte at offset \d+, line 3\)/,
    },
    {
      name: 'the first error in file order, however far csv-parse has read ahead',
      content: [HEADER, ROW, row({ 0: '2024-01-32' }), ROW, row({ 9: '"회식' })].join('\n'),
      line: 3,
      column: '전표일자',
      problem: /unparseable date/,
    },
    {
      name: 'binary garbage',
      content: Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xd8])]),
      line: 2,
      column: undefined,
      problem: /not valid UTF-8 \(first invalid byte at offset \d+, line 2\) nor CP949/,
    },
    {
      // "Müller" in Latin-1: 0xFC before "l" is neither a UTF-8 sequence nor a CP949 double byte.
      name: 'Latin-1 text',
      content: Buffer.concat([Buffer.from('date,name\n2024-01-02,ok\n'), Buffer.from('2024-01-03,M\u00fcller\n', 'latin1')]),
      line: 3,
      column: undefined,
      problem: /not valid UTF-8 \(first invalid byte at offset 36, line 3\) nor CP949 \(first invalid byte at offset 36, line 3\)/,
    },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const path = tempFile(c.content);
      const err = await parseError(path);
      assert.deepEqual({ file: err.file, line: err.line, column: err.column }, { file: path, line: c.line, column: c.column });
      assert.match(err.problem, c.problem);
      assert.ok(err.message.startsWith(`${path}:${c.line}`), err.message);
    });
  }
});

describe('decoding', () => {
  test('a CP949 double byte split across read chunks decodes intact', async () => {
    // 65,535 ASCII bytes put the lead byte of 가 at the end of the first 64 KiB chunk.
    const text = `${'a'.repeat(65535)}가나다\n`;
    const { encoding, stream } = await openDecodedStream(tempFile(iconv.encode(text, 'cp949')));
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk as string);
    assert.equal(encoding, 'cp949');
    assert.ok(chunks.length > 1);
    assert.equal(chunks.join(''), text);
  });

  test('strips the BOM of a UTF-8 file and rejects control characters', async () => {
    const { encoding, stream } = await openDecodedStream(tempFile(`\uFEFF${HEADER}\n`));
    let text = '';
    for await (const chunk of stream) text += chunk as string;
    assert.equal(encoding, 'utf-8-bom');
    assert.equal(text, `${HEADER}\n`);
    await assert.rejects(detectEncoding(tempFile(`${HEADER}\n\u0007bell\n`)), { name: 'LedgerFormatError', line: 2 });
  });

  test('a 200,000-line CP949 export streams through parseLedger in a 32 MB heap', async () => {
    const path = join(tmp, 'large.csv');
    const out = createWriteStream(path);
    out.write(iconv.encode(`${HEADER}\r\n`, 'cp949'));
    for (let block = 0; block < 100; block++) {
      let text = '';
      for (let i = 0; i < 1000; i++) {
        const voucher = String(block * 1000 + i + 1).padStart(6, '0');
        text += `2024-01-15,${voucher},3,811,복리후생비,"12,000",,00042,한우명가,직원 회식 ${voucher},3\r\n`;
        text += `2024-01-15,${voucher},4,253,미지급금,,12000,00099,신한카드,법인카드,\r\n`;
      }
      if (!out.write(iconv.encode(text, 'cp949'))) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');

    const script = `
      const { parseLedger } = require(${JSON.stringify(resolve(__dirname, '../../lib/erp/parse-ledger.ts'))});
      (async () => {
        let lines = 0, debit = 0, credit = 0, last = 0;
        for await (const l of parseLedger(${JSON.stringify(path)}, { period: '2024-01' })) {
          lines++; debit += l.debit; credit += l.credit; last = l.sourceLine;
        }
        console.log(JSON.stringify({ lines, debit, credit, last }));
      })();`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=32', '--import', 'tsx', '-e', script], {
      cwd: resolve(__dirname, '../..'),
    });
    assert.deepEqual(JSON.parse(stdout), { lines: 200_000, debit: 1_200_000_000, credit: 1_200_000_000, last: 200_001 });
  });
});
