// Search by meaning for grounding: cached embeddings (each text sent once per model) and nearest neighbours.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { FileLlmCache } from '../../lib/llm/llm-cache';
import { cosine, embedCached, relatedByMeaning, type Embedder } from '../../lib/llm/semantic-search';

const WORDS = ['가지급금', '이자', '증빙', '차량'];
function countingEmbedder(model = 'embed-test'): Embedder & { sent: string[] } {
  const sent: string[] = [];
  return {
    model,
    sent,
    embed: async (texts) => {
      sent.push(...texts);
      return texts.map((t) => WORDS.map((w) => (t.includes(w) ? 1 : 0)));
    },
  };
}

test('embeddings are cached without expiry: a text is sent once per model, duplicates once', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'embed-'));
  try {
    const cache = new FileLlmCache(dir);
    const embedder = countingEmbedder();
    const first = await embedCached(embedder, { cache, ttlMs: 0 }, ['가지급금 이자', '차량 증빙', '가지급금 이자']);
    assert.deepEqual(embedder.sent, ['가지급금 이자', '차량 증빙']);
    assert.deepEqual(first.vectors, [[1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 0, 0]]);
    assert.equal(first.hits, 0);
    assert.ok(first.sentTokens > 0);
    const again = await embedCached(embedder, { cache, ttlMs: 0 }, ['차량 증빙', '가지급금 이자']);
    assert.equal(embedder.sent.length, 2, 'nothing sent the second time');
    assert.deepEqual([again.hits, again.sentTokens], [2, 0]);
    const otherModel = countingEmbedder('other-model');
    await embedCached(otherModel, { cache, ttlMs: 0 }, ['차량 증빙']);
    assert.deepEqual(otherModel.sent, ['차량 증빙'], 'the cache key includes the model');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('related by meaning: nearest articles other than the linked ones, and nearest memos; nothing unrelated', () => {
  const article = (id: string) => ({ id, law: '법인세법', article: id, title: id, text: '' });
  const related = relatedByMeaning(
    [{ ruleId: 'LOAN-INSIDER', message: '가지급금' }],
    [[1, 1, 0, 0]],
    [
      { article: article('LINKED'), vector: [1, 1, 0, 0] },
      { article: article('NEAR'), vector: [1, 0, 0, 0] },
      { article: article('UNRELATED'), vector: [0, 0, 1, 1] },
    ],
    [{ ...article('LINKED'), rules: ['LOAN-INSIDER'] }],
    [{ text: '대표이사 대여', vector: [1, 1, 0, 0] }, { text: '주유', vector: [0, 0, 0, 1] }],
  );
  assert.deepEqual(related, [{ finding: 0, articles: ['NEAR'], memos: ['대표이사 대여'] }]);
  assert.equal(cosine([1, 0], [0, 1]), 0);
  assert.equal(cosine([0, 0], [1, 1]), 0);
  assert.ok(Math.abs(cosine([1, 1], [2, 2]) - 1) < 1e-12);
});
