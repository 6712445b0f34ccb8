import { FailureType } from '../temporal-contract';

/**
 * The embedded store's memory bound, counted in quads. oxigraph's in-memory store keeps every quad it was given until
 * it is rebuilt: a removed quad stays behind as an old version (measured: loading and dropping 2 million quads of fresh
 * terms leaves 1.4 GiB held by an empty store). So the count is of quads written since the last rebuild, live or
 * removed since, not of the quads the graph shows. Measured on ledger months (2 vCPU, Node 20, oxigraph 0.5):
 * about 255 bytes of RSS per quad held; a rebuild builds the new store beside the old one, and WASM memory never
 * shrinks, so the process peaks near twice that: 1.5 GiB RSS at the default limit, month after month.
 */
export const DEFAULT_MAX_QUADS = 3_000_000;
/**
 * A write near the limit first rebuilds the store (O(quads held)), once enough is known removed since the last rebuild
 * to give room back, or else once much was written (removals by other updates are not counted); nearly full, before
 * refusing, for less.
 */
const REBUILD_AT_SHARE = 0.75;
const REBUILD_AFTER_REMOVED_SHARE = 0.2;
const REBUILD_AFTER_WRITTEN_SHARE = 0.5;
const NEARLY_FULL_SHARE = 0.95;
const NEARLY_FULL_REMOVED_SHARE = 0.05;

/** A write the embedded store refuses because it would hold more quads than its limit; no retry changes that. */
export class EmbeddedGraphFullError extends Error {
  override readonly name = FailureType.EmbeddedGraphFull;
}

export class QuadBudget {
  /** Quads held in memory: live ones, and removed ones until the next rebuild. */
  held = 0;
  private writtenSinceRebuild = 0;
  private removedSinceRebuild = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit <= 0) throw new RangeError(`maxQuads: a positive integer, got ${limit}`);
  }

  /** Throws EmbeddedGraphFullError when `quads` more would take the store past its limit. */
  check(quads: number): void {
    if (this.held + quads <= this.limit) return;
    throw new EmbeddedGraphFullError(
      `the embedded graph store holds ${this.held.toLocaleString('en')} quads (removed ones included until it is ` +
        `compacted) and this write needs ${quads.toLocaleString('en')} more, past its limit of ` +
        `${this.limit.toLocaleString('en')} (GRAPH_EMBEDDED_MAX_QUADS); ` +
        'a firm of this size belongs on GraphDB: set GRAPHDB_URL',
    );
  }

  add(quads: number): void {
    this.held += quads;
    this.writtenSinceRebuild += quads;
  }

  /** Quads removed from the graph: still held, but a rebuild gives their room back. */
  removed(quads: number): void {
    this.removedSinceRebuild += quads;
  }

  rebuilt(liveQuads: number): void {
    this.held = liveQuads;
    this.writtenSinceRebuild = 0;
    this.removedSinceRebuild = 0;
  }

  get wantsRebuild(): boolean {
    const share = (quads: number) => quads / this.limit;
    if (share(this.held) >= NEARLY_FULL_SHARE && share(this.removedSinceRebuild) >= NEARLY_FULL_REMOVED_SHARE) return true;
    return (
      share(this.held) >= REBUILD_AT_SHARE &&
      (share(this.removedSinceRebuild) >= REBUILD_AFTER_REMOVED_SHARE || share(this.writtenSinceRebuild) >= REBUILD_AFTER_WRITTEN_SHARE)
    );
  }
}

/** Statements in N-Triples text: one per line (blank and comment lines count too, so never fewer). */
export function statementCount(text: string): number {
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  return text.length > 0 && !text.endsWith('\n') ? lines + 1 : lines;
}

const WHOLE_GRAPH_COPY = /^\s*(MOVE|COPY|ADD)\s+(?:SILENT\s+)?(?:GRAPH\s+)?<([^>]*)>\s+TO\s+(?:GRAPH\s+)?<([^>]*)>\s*;?\s*$/i;
const WHOLE_GRAPH_DROP = /^\s*(?:DROP|CLEAR)\s+(?:SILENT\s+)?GRAPH\s+<([^>]*)>\s*;?\s*$/i;

/** Named graphs whose size an update writes, and whose size it removes. */
export interface GraphEffect {
  written: string[];
  removed: string[];
}

/**
 * What a whole-graph update (MOVE, COPY, ADD, DROP or CLEAR of one named graph: the bulk writes the pipeline sends as
 * SPARQL) writes and removes, in graphs. Any other update is counted as writing and removing nothing: the pipeline's
 * others (account totals) add a few quads per account, and the next rebuild counts them.
 */
export function graphEffect(update: string): GraphEffect {
  const copy = WHOLE_GRAPH_COPY.exec(update);
  if (copy) {
    const [, verb, source, target] = copy as unknown as [string, string, string, string];
    const kind = verb.toUpperCase();
    if (kind === 'ADD') return { written: [source], removed: [] };
    return { written: [source], removed: kind === 'MOVE' ? [source, target] : [target] };
  }
  const drop = WHOLE_GRAPH_DROP.exec(update);
  return { written: [], removed: drop ? [drop[1]!] : [] };
}
