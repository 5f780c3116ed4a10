import { join } from 'node:path';
import pino from 'pino';
import { applyMigrations } from '../../../platform/src/postgres';
import {
  freePort,
  REPO_ROOT,
  startThrowawayServers,
  type ThrowawayServers,
} from '../../../test/support/localServers';
import { routerKeys } from '../../../test/support/routerKeys';
import {
  readyStatus,
  runToExit,
  startService,
  waitForReadyStatus,
  type ServiceProcess,
} from '../../../test/support/serviceProcess';

/**
 * /ready reflects the real state of the service's dependencies: the servers are our own instances,
 * stopped and restarted under a running service.
 */
describe('listings /ready against real PostgreSQL and Kafka', () => {
  let servers: ThrowawayServers;
  let service: ServiceProcess;

  beforeAll(async () => {
    servers = await startThrowawayServers(['postgres', 'kafka'], {
      HG_PG_PORT: await freePort(),
      HG_KAFKA_PORT: await freePort(),
      HG_KAFKA_CONTROLLER_PORT: await freePort(),
    });
    // As `make up` and a deployment do before starting the service: migrate, provision topics.
    const databaseUrl = `${servers.env['POSTGRES_URL']}/homegraph_listings`;
    await applyMigrations(
      databaseUrl,
      join(REPO_ROOT, 'subgraphs/listings/prisma/migrations'),
      pino({ level: 'silent' }),
    );
    const provisioned = await runToExit('scripts/dist/provision-topics.js', {
      KAFKA_BROKERS: servers.env['KAFKA_BROKERS'] as string,
      LOG_LEVEL: 'warn',
    });
    expect(provisioned.code).toBe(0);
    service = await startService('subgraphs/listings/dist/main.js', {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: servers.env['KAFKA_BROKERS'] as string,
      ROUTER_PUBLIC_JWKS: (await routerKeys()).ROUTER_PUBLIC_JWKS,
    });
  });

  afterAll(async () => {
    await service?.stop();
    await servers?.destroy();
  });

  it('is ready when PostgreSQL and Kafka answer', async () => {
    await waitForReadyStatus(service, 200, 'ready with both servers up');
  });

  it('answers 503 while PostgreSQL is stopped and 200 again once it is back', async () => {
    await servers.stop('postgres');
    expect(await readyStatus(service.url)).toBe(503);
    await servers.start('postgres');
    await waitForReadyStatus(service, 200, 'ready after PostgreSQL restart');
  });

  it('answers 503 while Kafka is stopped and 200 again once it is back', async () => {
    await servers.stop('kafka');
    await waitForReadyStatus(service, 503, 'not ready with Kafka stopped');
    await servers.start('kafka');
    await waitForReadyStatus(service, 200, 'ready after Kafka restart');
  });

  it('stops gracefully on SIGTERM', async () => {
    expect(await service.stop()).toBe(0);
  });
});
