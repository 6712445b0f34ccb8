/** Validation of the identifiers that end up in file paths, graph IRIs and workflow ids. */
const COMPANY_ID = /^[A-Za-z0-9_\-\uAC00-\uD7A3]{1,64}$/;
const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export class InvalidIdError extends Error {
  override readonly name = 'InvalidIdError';
}

/** 1-64 chars of [A-Za-z0-9_-] or Hangul syllables; anything else (slashes, dots, spaces) is refused. */
export function assertCompanyId(id: unknown): string {
  if (typeof id !== 'string' || !COMPANY_ID.test(id)) {
    throw new InvalidIdError(
      `invalid company id ${JSON.stringify(id)}: expected 1-64 characters of A-Z a-z 0-9 _ - or Hangul syllables`,
    );
  }
  return id;
}

/** A report period YYYY-MM. */
export function assertPeriod(period: unknown): string {
  if (typeof period !== 'string' || !PERIOD.test(period)) {
    throw new InvalidIdError(`invalid period ${JSON.stringify(period)}: expected YYYY-MM`);
  }
  return period;
}
