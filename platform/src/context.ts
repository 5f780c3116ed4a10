import { AsyncLocalStorage } from 'node:async_hooks';

/** What is known about the unit of work in progress (an HTTP request, a consumed event). */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}
