// The fixture firm's knowledge graph lives in dev/ (bench/ask-bench.ts clones it); tests keep importing it from here.
export * from '../../dev/ask-fixture-graph';
