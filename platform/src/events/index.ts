export * from './consumer';
export * from './contracts';
export * from './envelope';
export * from './idempotency';
export * from './outbox';
export * from './topics';
export * from './tables';
