// Domain errors that no retry can fix become non-retryable ApplicationFailures named after the error.
import { ApplicationFailure } from '@temporalio/activity';
import { DATA_ERROR_TYPES } from '../lib/temporal-contract';

export async function failDataErrorsFast<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof Error && DATA_ERROR_TYPES.has(err.name)) {
      const { file, sheet, line, column } = err as { file?: string; sheet?: string; line?: number; column?: string };
      throw ApplicationFailure.create({
        message: err.message,
        type: err.name,
        nonRetryable: true,
        details: [{ file, sheet, line, column }],
      });
    }
    throw err;
  }
}
