import type { FetcherHeaders, FetcherResponse } from '@apollo/utils.fetcher';
import type { IncomingHttpHeaders } from 'node:http';

/** Lowercase name to value, values of a repeated header joined as the Fetch standard joins them. */
export type HeaderMap = ReadonlyMap<string, string>;

export function headerMapOf(headers: IncomingHttpHeaders): HeaderMap {
  const map = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    map.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
  }
  return map;
}

/**
 * Response headers over a map that may be shared by every caller of one merged request: the map is
 * copied on the first change, so one caller's edits never show in another's response.
 */
export class BufferedHeaders implements FetcherHeaders {
  #map: HeaderMap;
  #owned = false;

  constructor(map: HeaderMap) {
    this.#map = map;
  }

  #writable(): Map<string, string> {
    if (!this.#owned) {
      this.#map = new Map(this.#map);
      this.#owned = true;
    }
    return this.#map as Map<string, string>;
  }

  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  set(name: string, value: string): void {
    this.#writable().set(name.toLowerCase(), value);
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const current = this.#map.get(key);
    this.#writable().set(key, current === undefined ? value : `${current}, ${value}`);
  }

  delete(name: string): void {
    if (this.#map.has(name.toLowerCase())) this.#writable().delete(name.toLowerCase());
  }

  /** Sorted by name, as the Fetch standard iterates headers. */
  entries(): IterableIterator<[string, string]> {
    return [...this.#map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).values();
  }

  keys(): IterableIterator<string> {
    return [...this.entries()].map(([name]) => name).values();
  }

  values(): IterableIterator<string> {
    return [...this.entries()].map(([, value]) => value).values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** The map as it is now, for a clone to start from. */
  snapshot(): HeaderMap {
    this.#owned = false;
    return this.#map;
  }
}

/**
 * A subgraph's complete answer, already read: what `RemoteGraphQLDataSource` reads of a fetch
 * Response (status, ok, statusText, url, headers.get, json, text) and the rest of `FetcherResponse`
 * with the Fetch standard's rules (a body is read once; a clone only before it is read). Several
 * responses may share one body: none can change the bytes another reads.
 */
export class BufferedResponse implements FetcherResponse {
  readonly ok: boolean;
  readonly redirected = false;
  readonly headers: BufferedHeaders;
  #bodyUsed = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    headers: HeaderMap,
    private readonly body: Buffer,
  ) {
    this.ok = status >= 200 && status <= 299;
    this.headers = new BufferedHeaders(headers);
  }

  get bodyUsed(): boolean {
    return this.#bodyUsed;
  }

  #consume(): Buffer {
    if (this.#bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.#bodyUsed = true;
    return this.body;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#consume();
    // A copy: the shared bytes stay intact whatever the caller does with its buffer.
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    const bytes = this.#consume();
    // UTF-8 decoding as fetch does it: a byte order mark is not part of the text.
    const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    return bytes.toString('utf8', start);
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  clone(): BufferedResponse {
    if (this.#bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
    return new BufferedResponse(this.url, this.status, this.statusText, this.headers.snapshot(), this.body);
  }
}
