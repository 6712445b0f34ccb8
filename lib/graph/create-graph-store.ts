/** Picks the knowledge-graph backend: a GraphDB/RDF4J repository when configured, else embedded oxigraph. */
import type { AppConfig } from '../config';
import type { GraphStore } from './graph-store';
import { HttpGraphStore } from './http-graph-store';
import { OxigraphStore, type OxigraphStoreLog } from './oxigraph-store';

export interface GraphStoreConfig {
  /** Repository URL, e.g. http://host:7200/repositories/tax; unset means the embedded store. */
  graphdbUrl?: string;
  username?: string;
  password?: string;
  token?: string;
  timeoutMs: number;
  /** Embedded store only: N-Quads snapshot (and its journal) that keeps the graph across restarts. */
  persistFile?: string;
  /** Embedded store only: the quads it may hold before it refuses writes. */
  maxQuads?: number;
  /** Embedded store only: where it reports a torn journal or a compaction. */
  log?: OxigraphStoreLog;
}

export function createGraphStore(opts: GraphStoreConfig): GraphStore {
  if (opts.graphdbUrl) {
    return new HttpGraphStore({
      repositoryUrl: opts.graphdbUrl,
      username: opts.username,
      password: opts.password,
      token: opts.token,
      timeoutMs: opts.timeoutMs,
    });
  }
  return new OxigraphStore({ persistFile: opts.persistFile, maxQuads: opts.maxQuads, log: opts.log });
}

/** What of the configuration names the graph store. */
export type GraphStoreSettings = Pick<
  AppConfig,
  | 'GRAPHDB_URL'
  | 'GRAPHDB_ALLOW_INSECURE'
  | 'GRAPHDB_USERNAME'
  | 'GRAPHDB_PASSWORD'
  | 'GRAPHDB_TOKEN'
  | 'GRAPHDB_TIMEOUT_MS'
  | 'GRAPH_PERSIST_FILE'
  | 'GRAPH_EMBEDDED_MAX_QUADS'
>;

/** The graph store the configuration names (worker, backup and restore alike). */
export function graphStoreFromConfig(config: GraphStoreSettings, log?: OxigraphStoreLog): GraphStore {
  if (config.GRAPHDB_URL?.startsWith('http:') && config.GRAPHDB_ALLOW_INSECURE) {
    log?.warn(
      { event: 'graphdb_cleartext_allowed', url: config.GRAPHDB_URL },
      'GRAPHDB_ALLOW_INSECURE: graph data and credentials go over plain HTTP; only the network protects them',
    );
  }
  return createGraphStore({
    graphdbUrl: config.GRAPHDB_URL,
    username: config.GRAPHDB_USERNAME,
    password: config.GRAPHDB_PASSWORD,
    token: config.GRAPHDB_TOKEN,
    timeoutMs: config.GRAPHDB_TIMEOUT_MS,
    persistFile: config.GRAPH_PERSIST_FILE,
    maxQuads: config.GRAPH_EMBEDDED_MAX_QUADS,
    log,
  });
}
