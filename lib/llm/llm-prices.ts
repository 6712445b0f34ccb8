// The LLM price table (config/llm-prices.json), validated once at start-up.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const priceSchema = z.object({
  input: z.number().nonnegative(),
  cachedInput: z.number().nonnegative().optional(),
  output: z.number().nonnegative(),
});
const tableSchema = z.object({ models: z.record(z.string(), priceSchema) });

export type PriceTable = z.infer<typeof tableSchema>['models'];

export async function loadPriceTable(file: string): Promise<PriceTable> {
  const parsed = tableSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data.models;
}

/** USD for one call; cached input tokens at the cached-input price (the input price when none is listed). */
export function callCostUsd(
  prices: PriceTable,
  model: string,
  usage: { inputTokens: number; cachedInputTokens: number; outputTokens: number },
): number | undefined {
  const price = prices[model];
  if (!price) return undefined;
  const fresh = usage.inputTokens - usage.cachedInputTokens;
  const cached = usage.cachedInputTokens * (price.cachedInput ?? price.input);
  return (fresh * price.input + cached + usage.outputTokens * price.output) / 1_000_000;
}

/** The chain's cheapest model by list price (input + output); models without a price never count as cheapest. */
export function cheapestModel(prices: PriceTable, models: readonly string[]): string | undefined {
  const priced = models.filter((m) => prices[m]);
  const cost = (m: string) => prices[m]!.input + prices[m]!.output;
  return priced.sort((a, b) => cost(a) - cost(b))[0];
}
