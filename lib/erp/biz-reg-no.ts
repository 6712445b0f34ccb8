/** 사업자등록번호 checksum (National Tax Service algorithm). */
const WEIGHTS = [1, 3, 7, 1, 3, 7, 1, 3, 5] as const;

/** The 10th digit for the first nine digits of a 사업자등록번호. */
export function bizRegNoCheckDigit(first9: string): number {
  if (!/^\d{9}$/.test(first9)) throw new RangeError(`expected 9 digits, got ${JSON.stringify(first9)}`);
  const digits = [...first9].map(Number);
  let sum = 0;
  WEIGHTS.forEach((weight, i) => (sum += digits[i]! * weight));
  // The 9th digit is weighted 5 and its tens carry counts once more.
  sum += Math.floor((digits[8]! * 5) / 10);
  return (10 - (sum % 10)) % 10;
}

/** `NNN-NN-NNNNN` (or the bare 10 digits) whose last digit matches the checksum. */
export function isValidBizRegNo(s: string): boolean {
  if (!/^(?:\d{3}-\d{2}-\d{5}|\d{10})$/.test(s)) return false;
  const digits = s.replace(/-/g, '');
  return bizRegNoCheckDigit(digits.slice(0, 9)) === Number(digits[9]);
}
