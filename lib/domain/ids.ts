/** Validation of the identifiers that end up in file paths, graph IRIs and workflow ids. */
import { FailureType } from '../temporal-contract';

const COMPANY_ID = /^[A-Za-z0-9_\-\uAC00-\uD7A3]{1,64}$/;
const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** A company id that passed assertCompanyId: safe in file paths, graph IRIs and workflow ids. */
export type CompanyId = string & { readonly __brand: 'CompanyId' };
/** A report period YYYY-MM that passed assertPeriod (or came out of lib/domain/periods). */
export type Period = string & { readonly __brand: 'Period' };

export class InvalidIdError extends Error {
  override readonly name = FailureType.InvalidId;
}

/** 1-64 chars of [A-Za-z0-9_-] or Hangul syllables; anything else (slashes, dots, spaces) is refused. */
export function assertCompanyId(id: unknown): CompanyId {
  if (typeof id !== 'string' || !COMPANY_ID.test(id)) {
    throw new InvalidIdError(`invalid company id ${JSON.stringify(id)}: expected 1-64 characters of A-Z a-z 0-9 _ - or Hangul syllables`);
  }
  return id as CompanyId;
}

/** A report period YYYY-MM. */
export function assertPeriod(period: unknown): Period {
  if (typeof period !== 'string' || !PERIOD.test(period)) {
    throw new InvalidIdError(`invalid period ${JSON.stringify(period)}: expected YYYY-MM`);
  }
  return period as Period;
}
