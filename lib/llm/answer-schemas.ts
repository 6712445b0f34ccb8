// The structured answers of the two tasks, validated with zod (LangChain sends them as the JSON schema).
import { z } from 'zod';
import type { LlmTask } from './prompts';

export const insightsAnswer = z.object({
  conclusions: z
    .array(
      z.object({
        finding: z
          .string()
          .regex(/^F\d+$/)
          .describe('finding id, e.g. F1'),
        text: z.string().min(1).max(600),
      }),
    )
    .describe('one 결론 per finding id'),
  actions: z.array(z.string().min(1).max(300)).max(8).describe("next month's actions"),
});

export const summaryAnswer = z.object({ summary: z.string().min(1).max(1500).describe('the report summary') });

export type InsightsAnswer = z.infer<typeof insightsAnswer>;
export type SummaryAnswer = z.infer<typeof summaryAnswer>;
export type TaskAnswer<T extends LlmTask> = T extends 'insights' ? InsightsAnswer : SummaryAnswer;

export const ANSWER_SCHEMAS = { insights: insightsAnswer, summary: summaryAnswer } as const;
