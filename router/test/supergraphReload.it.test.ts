import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/support/localServers';
import { routerKeys } from '../../test/support/routerKeys';
import { eventually, startService, type ServiceProcess } from '../../test/support/serviceProcess';

/** The router swaps in a changed supergraph file without a restart, and refuses a broken one. */
describe('router supergraph reload', () => {
  let dir: string;
  let path: string;
  let router: ServiceProcess;

  const listingFields = async (): Promise<string[]> => {
    const response = await fetch(`${router.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __type(name: "Listing") { fields { name } } }' }),
    });
    const body = (await response.json()) as { data: { __type: { fields: { name: string }[] } } };
    return body.data.__type.fields.map((field) => field.name);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hg-supergraph-'));
    path = join(dir, 'supergraph.graphql');
    await copyFile(join(REPO_ROOT, 'schema/supergraph.graphql'), path);
    router = await startService('router/dist/main.js', {
      SUPERGRAPH_PATH: path,
      SUPERGRAPH_POLL_MS: '100',
      ROUTER_SIGNING_KEY: (await routerKeys()).ROUTER_SIGNING_KEY,
      REDIS_URL: process.env['REDIS_URL'] as string,
    });
  });

  afterAll(async () => {
    await router?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a new field once the file changes', async () => {
    expect(await listingFields()).not.toContain('virtualTourUrl');
    const sdl = (await readFile(join(REPO_ROOT, 'subgraphs/listings/schema.graphql'), 'utf8')).replace(
      '  title: String!',
      '  title: String!\n  virtualTourUrl: String',
    );
    const composed = composeServices([
      { name: 'listings', url: 'http://127.0.0.1:4003/graphql', typeDefs: parse(sdl) },
    ]);
    if (!composed.supergraphSdl) throw new Error(`composition failed: ${String(composed.errors)}`);
    await writeFile(path, composed.supergraphSdl);
    await eventually('the reloaded supergraph is served', async () =>
      (await listingFields()).includes('virtualTourUrl'),
    );
  });

  it('keeps serving the previous supergraph when the file is broken', async () => {
    await writeFile(path, 'this is not a supergraph');
    await eventually('the refusal is logged', async () =>
      router.output().includes('supergraph file refused'),
    );
    expect(await listingFields()).toContain('virtualTourUrl');
  });
});
