// The Temporal schedule that starts the monthly batch: 1st of every month, 09:00 Asia/Seoul.
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { assertPeriod } from '../domain/ids';
import { parsePeriod } from '../domain/periods';
import { BATCH_WORKFLOW_ID, SCHEDULE_ID, WORKFLOW_TYPES } from '../temporal-contract';

export interface ScheduleSettings {
  taskQueue: string;
  concurrency: number;
  ledgerWaitMs: number;
}

function scheduleOptions({ taskQueue, concurrency, ledgerWaitMs }: ScheduleSettings): ScheduleOptions {
  return {
    scheduleId: SCHEDULE_ID,
    spec: { calendars: [{ dayOfMonth: 1, hour: 9, minute: 0 }], timezone: 'Asia/Seoul' },
    action: {
      type: 'startWorkflow',
      workflowType: WORKFLOW_TYPES.batch,
      workflowId: BATCH_WORKFLOW_ID,
      taskQueue,
      args: [{ concurrency, ledgerWaitMs }],
    },
    policies: {
      // A batch still running on the next 1st is a problem to page about, not to pile onto.
      overlap: ScheduleOverlapPolicy.SKIP,
      // After a server outage, still start a batch missed by up to a day; older misses need a backfill.
      catchupWindow: '1 day',
    },
  };
}

/** Creates the schedule, or brings an existing one up to date. Returns what it did. */
export async function upsertMonthlySchedule(client: Client, settings: ScheduleSettings): Promise<'created' | 'updated'> {
  const options = scheduleOptions(settings);
  try {
    await client.schedule.getHandle(SCHEDULE_ID).update((previous) => ({
      ...previous,
      spec: options.spec,
      action: options.action,
      policies: { ...previous.policies, ...options.policies },
    }));
    return 'updated';
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await client.schedule.create(options);
    return 'created';
  }
}

/** The nominal fire time of the run that reports `period`: the 1st of the next month, 09:00 KST (00:00 UTC). */
export function fireTimeForPeriod(period: string): Date {
  const { year, month } = parsePeriod(period);
  return new Date(Date.UTC(year, month, 1, 0, 0));
}

/** Parses `2024-10..2024-12` (or a single `2024-10`) into its first and last period. */
export function parsePeriodRange(range: string): { from: string; to: string } {
  const [first, last = first] = range.split('..');
  const from = assertPeriod(first);
  const to = assertPeriod(last);
  if (to < from) throw new Error(`backfill range ${range} ends before it starts`);
  return { from, to };
}

/** Runs the schedule's action for every month of the range, one after another. */
export async function backfillPeriods(client: Client, range: string): Promise<{ from: string; to: string }> {
  const { from, to } = parsePeriodRange(range);
  const minute = 60_000;
  await client.schedule.getHandle(SCHEDULE_ID).backfill({
    start: new Date(fireTimeForPeriod(from).getTime() - minute),
    end: new Date(fireTimeForPeriod(to).getTime() + minute),
    overlap: ScheduleOverlapPolicy.BUFFER_ALL,
  });
  return { from, to };
}

/** What the console shows and admins may change: the batch's settings as the schedule holds them. */
export interface ScheduleState {
  paused: boolean;
  concurrency: number;
  ledgerWaitMs: number;
  /** ISO instants of the next fires. */
  nextRuns: string[];
}

export type ScheduleChange = Partial<Pick<ScheduleState, 'paused' | 'concurrency' | 'ledgerWaitMs'>>;

/** The schedule's current state; ScheduleNotFoundError when `npm run schedule` has not created it yet. */
export async function describeMonthlySchedule(client: Client): Promise<ScheduleState> {
  const described = await client.schedule.getHandle(SCHEDULE_ID).describe();
  const action = described.action as { args?: unknown[] };
  const args = (action.args?.[0] ?? {}) as Partial<ScheduleSettings>;
  return {
    paused: described.state.paused,
    concurrency: args.concurrency ?? 0,
    ledgerWaitMs: args.ledgerWaitMs ?? 0,
    nextRuns: described.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
  };
}

/** Applies an admin's change (batch arguments and pause state) and returns the state before and after. */
export async function changeMonthlySchedule(
  client: Client,
  change: ScheduleChange,
  note: string,
): Promise<{ before: ScheduleState; after: ScheduleState }> {
  const handle = client.schedule.getHandle(SCHEDULE_ID);
  const before = await describeMonthlySchedule(client);
  if (change.concurrency !== undefined || change.ledgerWaitMs !== undefined) {
    await handle.update((previous) => {
      const action = previous.action as typeof previous.action & { args?: unknown[] };
      const args = (action.args?.[0] ?? {}) as Partial<ScheduleSettings>;
      return {
        ...previous,
        action: {
          ...action,
          args: [
            {
              ...args,
              concurrency: change.concurrency ?? args.concurrency,
              ledgerWaitMs: change.ledgerWaitMs ?? args.ledgerWaitMs,
            },
          ],
        },
      };
    });
  }
  if (change.paused === true && !before.paused) await handle.pause(note);
  if (change.paused === false && before.paused) await handle.unpause(note);
  return { before, after: await describeMonthlySchedule(client) };
}
