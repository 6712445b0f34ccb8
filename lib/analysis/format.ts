/** 1234000 → "1,234,000원" */
export function formatWon(amount: number): string {
  return `${amount.toLocaleString('en-US')}원`;
}
