import type { z } from 'zod';
import type { EventEnvelope } from './envelope';

/**
 * One event type at one version: the topic it travels on, the aggregate it describes and the schema
 * of its payload. Within a version only additive, optional changes are allowed (docs/events.md).
 */
export interface EventContract<TType extends string = string, TPayload extends z.ZodType = z.ZodType> {
  type: TType;
  version: number;
  topic: string;
  aggregateType: string;
  description: string;
  payload: TPayload;
}

export function defineEvent<TType extends string, TPayload extends z.ZodType>(
  contract: EventContract<TType, TPayload>,
): EventContract<TType, TPayload> {
  return contract;
}

export type PayloadOf<C> = C extends EventContract<string, infer P> ? z.infer<P> : never;
export type EventOf<C> = EventEnvelope<PayloadOf<C>>;

export class EventContractError extends Error {
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(issues.length ? `${message}: ${issues.join('; ')}` : message);
    this.name = 'EventContractError';
  }
}

/** The contracts a service produces or consumes, looked up by type and version. */
export class EventCatalog {
  private readonly byKey = new Map<string, EventContract>();

  constructor(contracts: readonly EventContract[]) {
    for (const contract of contracts) {
      const key = `${contract.type}@${contract.version}`;
      if (this.byKey.has(key)) throw new Error(`event contract ${key} is defined twice`);
      this.byKey.set(key, contract);
    }
  }

  get(type: string, version: number): EventContract | undefined {
    return this.byKey.get(`${type}@${version}`);
  }

  has(type: string): boolean {
    for (const contract of this.byKey.values()) if (contract.type === type) return true;
    return false;
  }

  all(): EventContract[] {
    return [...this.byKey.values()];
  }

  /** Validates a payload against its contract; returns the parsed payload or throws EventContractError. */
  validatePayload(type: string, version: number, payload: unknown): unknown {
    const contract = this.get(type, version);
    if (!contract) throw new EventContractError(`no contract for event ${type} v${version}`);
    const result = contract.payload.safeParse(payload);
    if (!result.success) {
      throw new EventContractError(
        `payload of ${type} v${version} breaks its contract`,
        result.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`),
      );
    }
    return result.data;
  }
}
