import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addMonths,
  contextMonths,
  daysInMonth,
  fiscalYearStart,
  lastDayOfMonth,
  monthInSeoul,
  monthRange,
  monthsBetween,
  nextMonth,
  parsePeriod,
  periodOf,
  previousMonthInSeoul,
  seoulDay,
} from '../../lib/domain/periods';
import { fireTimeForPeriod, parsePeriodRange } from '../../lib/schedule/monthly-schedule';

test('the batch reports the month before its start, in Seoul time', () => {
  // 2024-12-31T15:30Z is already 2025-01-01 00:30 in Seoul: the report month is December.
  assert.equal(previousMonthInSeoul(new Date('2024-12-31T15:30:00Z')), '2024-12');
  assert.equal(previousMonthInSeoul(new Date('2024-12-31T14:59:00Z')), '2024-11');
  assert.equal(previousMonthInSeoul(new Date('2025-03-01T00:00:00Z')), '2025-02');
});

test('the schedule fires for a period on the 1st of the next month, 09:00 KST', () => {
  assert.equal(fireTimeForPeriod('2024-12').toISOString(), '2025-01-01T00:00:00.000Z');
  assert.equal(previousMonthInSeoul(fireTimeForPeriod('2024-10')), '2024-10');
  assert.deepEqual(parsePeriodRange('2024-10..2024-12'), { from: '2024-10', to: '2024-12' });
  assert.deepEqual(parsePeriodRange('2024-10'), { from: '2024-10', to: '2024-10' });
  assert.throws(() => parsePeriodRange('2024-12..2024-10'), /ends before it starts/);
  assert.throws(() => parsePeriodRange('2024-13'), /invalid period/);
});

test('period arithmetic', () => {
  assert.equal(addMonths('2024-01', -1), '2023-12');
  assert.deepEqual(monthRange('2024-11', 3), ['2024-11', '2024-12', '2025-01']);
  assert.equal(fiscalYearStart('2024-03', 1), '2024-01');
  assert.equal(fiscalYearStart('2024-03', 4), '2023-04');
  assert.equal(fiscalYearStart('2024-04', 4), '2024-04');
});

test('context months: the fiscal year so far and the three months before, oldest first', () => {
  assert.deepEqual(contextMonths('2024-01', 1), ['2023-10', '2023-11', '2023-12']);
  assert.deepEqual(contextMonths('2024-06', 1), ['2024-01', '2024-02', '2024-03', '2024-04', '2024-05']);
  assert.deepEqual(contextMonths('2024-05', 4), ['2024-02', '2024-03', '2024-04']);
});

test('context months reach back to the opening balances of an earlier fiscal year, which carry forward', () => {
  assert.deepEqual(contextMonths('2024-05', 4, '2023-04'), monthRange('2023-04', 13));
  assert.deepEqual(contextMonths('2024-05', 4, '2024-04'), contextMonths('2024-05', 4));
});

test('one periods module: parsing, month spans, month ends and Seoul days', () => {
  assert.deepEqual(parsePeriod('2024-02'), { year: 2024, month: 2 });
  assert.throws(() => parsePeriod('2024-2'), /invalid period/);
  assert.equal(periodOf(2024, 13), '2025-01');
  assert.equal(periodOf(2024, 0), '2023-12');
  assert.equal(nextMonth('2024-12'), '2025-01');
  assert.deepEqual(monthsBetween('2024-11', '2025-02'), ['2024-11', '2024-12', '2025-01', '2025-02']);
  assert.deepEqual(monthsBetween('2025-02', '2024-11'), []);
  assert.equal(lastDayOfMonth('2024-02'), '2024-02-29');
  assert.equal(lastDayOfMonth('2023-02'), '2023-02-28');
  assert.equal(daysInMonth('2024-04'), 30);
  assert.equal(monthInSeoul(new Date('2024-12-31T15:00:00Z')), '2025-01');
  assert.equal(seoulDay(new Date('2025-01-05T14:59:59.999Z')), '2025-01-05');
});
