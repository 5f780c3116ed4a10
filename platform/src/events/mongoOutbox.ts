import type { Producer } from 'kafkajs';
import type { Collection, Db, Document } from 'mongodb';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { EventCatalog } from './contracts';
import { OutboxWriter, type NewEvent } from './outbox';

/** The array field of a document that holds its events until the relay has published them. */
export const MONGO_OUTBOX_FIELD = '_outbox';

export interface MongoOutboxEntry {
  eventId: string;
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * The MongoDB equivalent of the transactional outbox, for stores without multi-document transactions
 * (FerretDB v1): a document's pending events live in the document itself, so the state change and its
 * events are written by ONE single-document update, which is atomic everywhere.
 *
 *   await listings.updateOne({ _id, version: 3 }, { $set: { ...changes, version: 4 }, ...outbox.push(event) });
 */
export class MongoOutboxWriter {
  private readonly envelopes: OutboxWriter;

  constructor(catalog: EventCatalog, producerName: string) {
    this.envelopes = new OutboxWriter(catalog, producerName);
  }

  entries(...events: NewEvent[]): MongoOutboxEntry[] {
    return this.envelopes.records(...events).map(({ envelope, topic, key, value, headers }) => ({
      eventId: envelope.eventId,
      topic,
      key,
      value,
      headers,
    }));
  }

  /** The update fragment to merge into the caller's single-document update. Validates every payload. */
  push(...events: NewEvent[]): { $push: Record<string, { $each: MongoOutboxEntry[] }> } {
    return { $push: { [MONGO_OUTBOX_FIELD]: { $each: this.entries(...events) } } };
  }
}

export interface MongoOutboxRelayOptions {
  db: Db;
  collections: string[];
  producer: Producer;
  logger: Logger;
  name: string;
  batchSize?: number;
  pollMs?: number;
  leaseMs?: number;
}

/**
 * Publishes the pending events of documents in the listed collections, in array order (so in order per
 * document), then removes exactly the published entries with `$pullAll` (entries pushed meanwhile stay).
 * One relay per name is active at a time through a lease document renewed on every round.
 * At least once, like the PostgreSQL relay: a crash between send and removal republishes. Give it the
 * producer of `createIdempotentProducer`.
 */
export class MongoOutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly owner = randomUUID();
  private active = false;

  constructor(private readonly options: MongoOutboxRelayOptions) {}

  get isActive(): boolean {
    return this.active;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    if (this.active) await this.locks().deleteOne({ _id: this.lockId(), owner: this.owner });
    this.active = false;
  }

  private locks(): Collection<{ _id: string; owner: string; expiresAt: Date }> {
    return this.options.db.collection('outbox_relay_locks');
  }

  private lockId(): string {
    return `outbox-relay:${this.options.name}`;
  }

  /** Takes or renews the lease; a duplicate key means another live relay holds it. */
  private async lease(): Promise<boolean> {
    const now = new Date();
    try {
      await this.locks().findOneAndUpdate(
        { _id: this.lockId(), $or: [{ expiresAt: { $lt: now } }, { owner: this.owner }] },
        {
          $set: { owner: this.owner, expiresAt: new Date(now.getTime() + (this.options.leaseMs ?? 10_000)) },
        },
        { upsert: true },
      );
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  private async run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 200;
    let failures = 0;
    while (this.running) {
      try {
        this.active = await this.lease();
        const published = this.active ? await this.publishRound() : 0;
        failures = 0;
        if (published === 0) await new Promise((resolve) => setTimeout(resolve, pollMs));
      } catch (error) {
        failures += 1;
        this.options.logger.warn({ err: error, failures }, 'mongo outbox relay round failed; will retry');
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(5_000, 100 * 2 ** Math.min(failures, 6))),
        );
      }
    }
  }

  private async publishRound(): Promise<number> {
    let published = 0;
    for (const name of this.options.collections) {
      const collection = this.options.db.collection<Document>(name);
      const documents = await collection
        .find({ [`${MONGO_OUTBOX_FIELD}.0`]: { $exists: true } }, { projection: { [MONGO_OUTBOX_FIELD]: 1 } })
        .limit(this.options.batchSize ?? 200)
        .toArray();
      if (!documents.length) continue;
      const pending = documents.map((document) => ({
        id: document['_id'],
        entries: document[MONGO_OUTBOX_FIELD] as MongoOutboxEntry[],
      }));
      const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
      for (const { entries } of pending) {
        for (const entry of entries) {
          const messages = byTopic.get(entry.topic) ?? [];
          messages.push({ key: entry.key, value: entry.value, headers: entry.headers });
          byTopic.set(entry.topic, messages);
        }
      }
      await this.options.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      for (const { id, entries } of pending) {
        await collection.updateOne({ _id: id }, { $pullAll: { [MONGO_OUTBOX_FIELD]: entries } } as Document);
        published += entries.length;
      }
    }
    return published;
  }
}
