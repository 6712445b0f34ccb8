// Search by meaning for grounding, as the LLM role runs it: the bounded vector cache (each text sent once per model
// while it is cached), the nearest neighbours, and the search from a request of texts to the small reply.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VectorCache, cosine, embedCached, relatedByMeaning, searchByMeaning, type Embedder } from '../../lib/llm/semantic-search';

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

test('embeddings are cached: a text is sent once per model, duplicates once', async () => {
  const cache = new VectorCache(100);
  const embedder = countingEmbedder();
  const first = await embedCached(embedder, cache, ['가지급금 이자', '차량 증빙', '가지급금 이자']);
  assert.deepEqual(embedder.sent, ['가지급금 이자', '차량 증빙']);
  assert.deepEqual(
    first.vectors.map((v) => [...Array.from(v)]),
    [
      [1, 1, 0, 0],
      [0, 0, 1, 1],
      [1, 1, 0, 0],
    ],
  );
  assert.equal(first.hits, 0);
  assert.ok(first.sentTokens > 0);
  const again = await embedCached(embedder, cache, ['차량 증빙', '가지급금 이자']);
  assert.equal(embedder.sent.length, 2, 'nothing sent the second time');
  assert.deepEqual([again.hits, again.sentTokens], [2, 0]);
  const otherModel = countingEmbedder('other-model');
  await embedCached(otherModel, cache, ['차량 증빙']);
  assert.deepEqual(otherModel.sent, ['차량 증빙'], 'the cache key includes the model');
});

test('the vector cache holds at most its bound, dropping the least recently used first', () => {
  const cache = new VectorCache(2);
  cache.set('m', 'a', [1]);
  cache.set('m', 'b', [2]);
  assert.deepEqual(Array.from(cache.get('m', 'a')!), [1], 'a is now the most recently used');
  cache.set('m', 'c', [3]);
  assert.equal(cache.size, 2);
  assert.equal(cache.get('m', 'b'), undefined, 'b was the least recently used');
  assert.ok(cache.get('m', 'a') && cache.get('m', 'c'));
  for (let i = 0; i < 1_000; i++) cache.set('m', `memo ${i}`, [i]);
  assert.equal(cache.size, 2);
});

test('a vector expires after LLM_CACHE_TTL_EMBEDDINGS when one is set', () => {
  let now = 0;
  const cache = new VectorCache(10, 1_000, () => now);
  cache.set('m', 'a', [1]);
  now = 999;
  assert.ok(cache.get('m', 'a'));
  now = 1_000;
  assert.equal(cache.get('m', 'a'), undefined);
  assert.equal(cache.size, 0);
});

test('a request larger than the cache still gets every vector it sent', async () => {
  const embedder = countingEmbedder();
  const { vectors } = await embedCached(embedder, new VectorCache(1), ['가지급금', '이자', '차량']);
  assert.deepEqual(
    vectors.map((v) => Array.from(v)),
    [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 1],
    ],
  );
});

test('related by meaning: nearest articles other than the linked ones, and nearest memos; nothing unrelated', () => {
  const related = relatedByMeaning(
    [{ vector: [1, 1, 0, 0], linked: ['LINKED'] }],
    [
      { id: 'LINKED', vector: [1, 1, 0, 0] },
      { id: 'NEAR', vector: [1, 0, 0, 0] },
      { id: 'UNRELATED', vector: [0, 0, 1, 1] },
    ],
    [
      { text: '대표이사 대여', vector: [1, 1, 0, 0] },
      { text: '주유', vector: [0, 0, 0, 1] },
    ],
  );
  assert.deepEqual(related, [{ finding: 0, articles: ['NEAR'], memos: ['대표이사 대여'] }]);
  assert.equal(cosine([1, 0], [0, 1]), 0);
  assert.equal(cosine([0, 0], [1, 1]), 0);
  assert.ok(Math.abs(cosine([1, 1], [2, 2]) - 1) < 1e-12);
});

test('the search answers with ids, memo texts and usage only; the next company re-sends no article', async () => {
  const embedder = countingEmbedder();
  const cache = new VectorCache(100);
  const articles = [
    { id: 'INTEREST', text: '인정이자: 가지급금 이자' },
    { id: 'CAR', text: '업무용 승용차: 차량 증빙' },
    { id: 'EVIDENCE', text: '적격증빙: 증빙' },
  ];
  const reply = await searchByMeaning(embedder, cache, {
    model: 'embed-test',
    findings: [
      { text: '가지급금 인정이자', linked: ['INTEREST'] },
      { text: '차량 유지비', linked: [] },
    ],
    articles,
    memos: ['대표이사 가지급금', '주유 차량', '사무용품'],
  });
  assert.deepEqual(reply.related, [
    { finding: 0, articles: [], memos: ['대표이사 가지급금'] },
    { finding: 1, articles: ['CAR'], memos: ['주유 차량'] },
  ]);
  assert.equal(reply.usage.texts, 8);
  assert.equal(reply.usage.hits, 0);
  assert.ok(reply.usage.sentTokens > 0);
  assert.ok(JSON.stringify(reply).length < 400, 'no vector in the reply');

  embedder.sent.length = 0;
  const next = await searchByMeaning(embedder, cache, {
    model: 'embed-test',
    findings: [{ text: '증빙 누락', linked: [] }],
    articles,
    memos: ['주유 차량'],
  });
  assert.deepEqual(embedder.sent, ['증빙 누락'], 'the articles and a memo seen before came from the cache');
  assert.equal(next.usage.hits, 4);
  assert.deepEqual(next.related, [{ finding: 0, articles: ['EVIDENCE', 'CAR'], memos: [] }]);
});
