import type { FormattedExecutionResult } from 'graphql';

/** One result on its way to one subscriber, with its serialized size for the buffer bound. */
export interface Delivery {
  result: FormattedExecutionResult;
  bytes: number;
}

/**
 * The results of one subscription, in order, as graphql-ws pulls them. graphql-ws asks for the next
 * one only after the previous was written to the socket, so what waits here is what the socket
 * hasn't taken yet; `onTaken` and `onEnd` let the owner count those bytes. An async generator
 * function won't do: its `return()` would wait for the next event before ending the stream.
 */
export class DeliveryStream implements AsyncIterableIterator<FormattedExecutionResult> {
  private readonly waiting: Delivery[] = [];
  private reader: ((result: IteratorResult<FormattedExecutionResult>) => void) | undefined;
  private ended = false;
  private finishing = false;
  private readonly idlers: Array<() => void> = [];

  constructor(
    private readonly onTaken: (bytes: number) => void,
    private readonly onEnd: () => void,
  ) {}

  get closed(): boolean {
    return this.ended;
  }

  push(delivery: Delivery): void {
    if (this.ended) return;
    const reader = this.reader;
    if (reader) {
      this.reader = undefined;
      this.onTaken(delivery.bytes);
      reader({ value: delivery.result, done: false });
    } else {
      this.waiting.push(delivery);
    }
  }

  /** Ends the stream once what waits has been taken, so a last result (an error) still goes out. */
  finish(): void {
    this.finishing = true;
    if (!this.waiting.length) this.end();
  }

  /** Resolves once the socket has taken everything pushed so far (or the stream ended). */
  idle(): Promise<void> {
    if (this.ended || !this.waiting.length) return Promise.resolve();
    return new Promise((resolve) => this.idlers.push(resolve));
  }

  next(): Promise<IteratorResult<FormattedExecutionResult>> {
    const delivery = this.waiting.shift();
    if (delivery) {
      this.onTaken(delivery.bytes);
      if (!this.waiting.length) this.wake();
      return Promise.resolve({ value: delivery.result, done: false });
    }
    if (this.finishing) this.end();
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.reader = resolve));
  }

  return(): Promise<IteratorResult<FormattedExecutionResult>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<FormattedExecutionResult>> {
    this.end();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.end();
    return Promise.resolve();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const delivery of this.waiting.splice(0)) this.onTaken(delivery.bytes);
    this.reader?.({ value: undefined, done: true });
    this.reader = undefined;
    this.wake();
    this.onEnd();
  }

  private wake(): void {
    for (const idler of this.idlers.splice(0)) idler();
  }
}
