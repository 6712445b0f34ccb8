/**
 * GraphStore on a GraphDB / RDF4J Server repository, over the RDF4J REST API and SPARQL 1.1 Protocol.
 * No retries here: activities are retried by Temporal. A call's `signal` aborts its request (connection closed,
 * upload cut short, so RDF4J rolls the transaction back) and the call rejects with the signal's reason.
 */
import { Readable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import type { GraphCallOptions, GraphStore, RdfTerm, SelectRow } from './graph-store';
import { triplesToQuads } from './graph-nquads';
import { countGraphTriples, graphIriRef } from './graph-sparql';

export interface HttpGraphStoreOptions {
  /** e.g. http://host:7200/repositories/tax */
  repositoryUrl: string;
  /** HTTP Basic credentials. */
  username?: string;
  password?: string;
  /** GraphDB token, sent as `Authorization: GDB <token>`. */
  token?: string;
  /** Applies to waiting for response headers and to each gap in the response body. */
  timeoutMs: number;
  connections?: number;
}

/** A non-2xx answer from the server; `path` is the request path, never with credentials. */
export class GraphStoreHttpError extends Error {
  override readonly name = 'GraphStoreHttpError';

  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly bodyExcerpt: string,
  ) {
    super(`graph store ${method} ${path} answered HTTP ${status}: ${bodyExcerpt}`);
  }
}

const BODY_EXCERPT_CHARS = 500;
// RDF4J decodes request bodies without a charset as ISO-8859-1, which garbles Hangul.
const SPARQL_QUERY = 'application/sparql-query; charset=utf-8';
const SPARQL_UPDATE = 'application/sparql-update; charset=utf-8';
const NTRIPLES = 'application/n-triples; charset=utf-8';
const SPARQL_JSON = 'application/sparql-results+json';
const XSD_STRING = 'http://www.w3.org/2001/XMLSchema#string';
const RDF_LANG_STRING = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString';

interface JsonTerm {
  type: string;
  value: string;
  datatype?: string;
  'xml:lang'?: string;
}

interface JsonResults {
  boolean?: boolean;
  results?: { bindings: Record<string, JsonTerm>[] };
}

export class HttpGraphStore implements GraphStore {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly repositoryPath: string;
  private readonly authorization: string | undefined;

  constructor(options: HttpGraphStoreOptions) {
    const url = new URL(options.repositoryUrl);
    if (url.username || url.password) {
      throw new TypeError('pass graph store credentials as username/password, not inside repositoryUrl');
    }
    this.origin = url.origin;
    this.repositoryPath = url.pathname.replace(/\/+$/, '');
    this.authorization = authorizationHeader(options);
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 8,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async select(query: string, options?: GraphCallOptions): Promise<SelectRow[]> {
    const { results } = await this.query(query, options);
    if (!results) throw new TypeError('select() needs a SELECT query');
    return results.bindings.map((binding) => {
      const row: SelectRow = {};
      for (const [name, term] of Object.entries(binding)) row[name] = fromJsonTerm(term);
      return row;
    });
  }

  async ask(query: string, options?: GraphCallOptions): Promise<boolean> {
    const result = (await this.query(query, options)).boolean;
    if (typeof result !== 'boolean') throw new TypeError('ask() needs an ASK query');
    return result;
  }

  construct(query: string, options?: GraphCallOptions): Promise<string> {
    return this.send('POST', this.repositoryPath, { 'content-type': SPARQL_QUERY, accept: 'application/n-triples' }, query, options);
  }

  async update(update: string, options?: GraphCallOptions): Promise<void> {
    await this.send('POST', `${this.repositoryPath}/statements`, { 'content-type': SPARQL_UPDATE }, update, options);
  }

  async replaceGraph(graphIri: string, ntriples: AsyncIterable<string> | Iterable<string>, options?: GraphCallOptions): Promise<void> {
    // RDF4J clears the context and adds the body in one transaction, rolled back on a parse error
    // or a body cut short (an iterable that throws, or an abort, ends the request).
    await this.send('PUT', this.contextPath(graphIri), { 'content-type': NTRIPLES }, Readable.from(ntriples), options);
  }

  async dropGraph(graphIri: string, options?: GraphCallOptions): Promise<void> {
    await this.send('DELETE', this.contextPath(graphIri), {}, undefined, options);
  }

  countTriples(graphIri: string, options?: GraphCallOptions): Promise<number> {
    return countGraphTriples(this, graphIri, options);
  }

  async listGraphs(options?: GraphCallOptions): Promise<string[]> {
    const text = await this.send('GET', `${this.repositoryPath}/contexts`, { accept: SPARQL_JSON }, undefined, options);
    return ((JSON.parse(text) as JsonResults).results?.bindings ?? []).map(({ contextID }) => {
      // The pipeline names every graph with an IRI; a blank-node context cannot be named in a backup.
      if (contextID?.type !== 'uri') throw new TypeError(`graph store holds a context that is not an IRI: ${JSON.stringify(contextID)}`);
      return contextID.value;
    });
  }

  exportGraph(graphIri: string, options?: GraphCallOptions): AsyncIterable<string> {
    return triplesToQuads(this.stream('GET', this.contextPath(graphIri), { accept: 'application/n-triples' }, undefined, options), graphIri);
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async query(query: string, options?: GraphCallOptions): Promise<JsonResults> {
    // RDF4J's (and GraphDB's) `timeout` parameter, in whole seconds, ends the evaluation on the server.
    const path = options?.maxExecutionMs ? `${this.repositoryPath}?timeout=${Math.ceil(options.maxExecutionMs / 1000)}` : this.repositoryPath;
    const text = await this.send('POST', path, { 'content-type': SPARQL_QUERY, accept: SPARQL_JSON }, query, options);
    return JSON.parse(text) as JsonResults;
  }

  private contextPath(graphIri: string): string {
    return `${this.repositoryPath}/statements?context=${encodeURIComponent(graphIriRef(graphIri))}`;
  }

  /** One request; resolves to the response text of a 2xx answer. The signal covers the response body too. */
  private async send(
    method: Dispatcher.HttpMethod,
    path: string,
    headers: Record<string, string>,
    body?: string | Readable,
    options?: GraphCallOptions,
  ): Promise<string> {
    let text = '';
    for await (const chunk of this.stream(method, path, headers, body, options)) text += chunk;
    return text;
  }

  /** One request; the body of a 2xx answer as text, chunk by chunk as it arrives. The signal covers the body too. */
  private async *stream(
    method: Dispatcher.HttpMethod,
    path: string,
    headers: Record<string, string>,
    body?: string | Readable,
    { signal }: GraphCallOptions = {},
  ): AsyncGenerator<string> {
    let response: Dispatcher.ResponseData;
    try {
      signal?.throwIfAborted();
      response = await this.pool.request({
        method,
        path,
        headers: this.authorization ? { ...headers, authorization: this.authorization } : headers,
        body,
        signal,
      });
    } catch (err) {
      // A body never read (a request that did not start) still holds its source open.
      if (body instanceof Readable) body.destroy();
      throw this.failure(method, path, err, signal);
    }
    const status = response.statusCode;
    try {
      if (status < 200 || status > 299) {
        throw new GraphStoreHttpError(method, path, status, (await response.body.text()).slice(0, BODY_EXCERPT_CHARS));
      }
      // A character of several bytes may be cut between chunks: the decoder keeps its start for the next one.
      const decoder = new TextDecoder();
      for await (const chunk of response.body) yield decoder.decode(chunk as Buffer, { stream: true });
      yield decoder.decode();
    } catch (err) {
      throw err instanceof GraphStoreHttpError ? err : this.failure(method, path, err, signal);
    } finally {
      // A consumer that stops early (or a failure) must not leave the connection holding an unread body.
      response.body.destroy();
    }
  }

  private failure(method: string, path: string, err: unknown, signal: AbortSignal | undefined): unknown {
    // Unwrapped, so the caller (Temporal) sees the cancellation it asked for, not a failed request.
    if (signal?.aborted) return signal.reason;
    return new Error(`graph store ${method} ${this.origin}${path} failed: ${describeCause(err)}`, { cause: err });
  }
}

function authorizationHeader({ username, password, token }: HttpGraphStoreOptions): string | undefined {
  if (token !== undefined && username !== undefined) {
    throw new TypeError('give the graph store either a token or username/password, not both');
  }
  if (token !== undefined) return `GDB ${token}`;
  if (username !== undefined) return `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
  return undefined;
}

function fromJsonTerm(term: JsonTerm): RdfTerm {
  switch (term.type) {
    case 'uri':
      return { termType: 'NamedNode', value: term.value };
    case 'bnode':
      return { termType: 'BlankNode', value: term.value };
    case 'literal':
    case 'typed-literal': {
      // JSON results leave implied datatypes out; fill them in as RDF 1.1 (and OxigraphStore) do.
      const language = term['xml:lang'];
      const datatype = term.datatype ?? (language ? RDF_LANG_STRING : XSD_STRING);
      return language ? { termType: 'Literal', value: term.value, datatype, language } : { termType: 'Literal', value: term.value, datatype };
    }
    default:
      throw new TypeError(`unsupported term type in SELECT result: ${term.type}`);
  }
}

/** Node's connect errors can be AggregateErrors with an empty message (one per address tried). */
function describeCause(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(describeCause).join('; ');
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}
