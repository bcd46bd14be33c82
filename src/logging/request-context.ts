import { AsyncLocalStorage } from 'node:async_hooks';

/** Carries the request id through async calls, so every log line of a request names it. */
export interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export const currentRequestId = (): string | undefined => requestContext.getStore()?.requestId;
