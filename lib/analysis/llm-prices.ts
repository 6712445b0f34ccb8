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

/** USD for one call; undefined when the model has no price (the caller logs it). */
export function callCostUsd(prices: PriceTable, model: string, inputTokens: number, outputTokens: number): number | undefined {
  const price = prices[model];
  if (!price) return undefined;
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}
