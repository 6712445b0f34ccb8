// Token counts for responses without usage metadata (some OpenAI-compatible servers omit it).
import { getEncoding, type Tiktoken } from 'js-tiktoken';

const encodings = new Map<string, Tiktoken>();

/** o200k_base for the gpt-4o/4.1/o-series families, cl100k_base otherwise (the closest public tokenizer). */
export function estimateTokens(model: string, text: string): number {
  const name = /^(gpt-4o|gpt-4\.1|gpt-5|o\d)/.test(model) ? 'o200k_base' : 'cl100k_base';
  let encoding = encodings.get(name);
  if (!encoding) encodings.set(name, (encoding = getEncoding(name)));
  return encoding.encode(text).length;
}
