// The daily LLM budget (Asia/Seoul day), read from the shared call ledger so every worker sees the same spend.
import { cheapestModel, type PriceTable } from './llm-prices';

export interface BudgetLimits {
  softUsd: number;
  hardUsd: number;
  /** At the hard limit: only the chain's cheapest model may still be called, or none (the offline narrative). */
  hardAction: 'cheapest' | 'offline';
}

export interface BudgetVerdict {
  spentUsd: number;
  soft: boolean;
  hard: boolean;
  /** Whether the model may be called now. */
  allowed: boolean;
}

export function budgetVerdict(limits: BudgetLimits, spentUsd: number, prices: PriceTable, chain: readonly string[], model: string): BudgetVerdict {
  const soft = spentUsd >= limits.softUsd;
  const hard = spentUsd >= limits.hardUsd;
  const allowed = !hard || (limits.hardAction === 'cheapest' && cheapestModel(prices, chain) === model);
  return { spentUsd, soft, hard, allowed };
}
