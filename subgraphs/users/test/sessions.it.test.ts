import { Client } from 'pg';
import { generateSigningKey, localKeySet, verifyToken } from '../../../platform/src/auth/tokens';
import { createSubgraphDatabase, type TestDatabase } from '../../../test/support/databases';
import { startService, type ServiceProcess } from '../../../test/support/serviceProcess';
import { errorCodes, SubgraphClient } from '../../../test/support/subgraphClient';

const SESSION = `user { id email roles } accessToken refreshToken accessTokenExpiresAt`;
const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { ${SESSION} } }`;
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { ${SESSION} } }`;
const REFRESH = `mutation ($input: RefreshSessionInput!) { refreshSession(input: $input) { ${SESSION} } }`;

interface SessionResult {
  user: { id: string; email: string; roles: string[] };
  accessToken: string;
  refreshToken: string;
}

describe('users subgraph: accounts and sessions', () => {
  let database: TestDatabase;
  let sql: Client;
  let users: ServiceProcess;
  let client: SubgraphClient;
  let jwks: Parameters<typeof localKeySet>[0];

  const call = <T>(query: string, variables: Record<string, unknown> = {}, subject?: string) =>
    client.request<T>(
      `${users.url}/graphql`,
      'users',
      query,
      variables,
      subject ? { subject, roles: ['USER'] } : undefined,
    );
  const register = async (email: string, password = 'correct horse battery') => {
    const result = await call<{ register: SessionResult }>(REGISTER, {
      input: { email, password, displayName: 'Ada Agent' },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.register).toBeDefined();
    return result.data!.register;
  };
  const count = async (table: string) =>
    Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  const eventTypes = async (userId: string) =>
    (
      await sql.query<{ type: string }>(
        `SELECT headers->>'hg-event-type' AS type FROM outbox_events WHERE partition_key = $1 ORDER BY id`,
        [userId],
      )
    ).rows.map((row) => row.type);

  beforeAll(async () => {
    database = await createSubgraphDatabase('users');
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    client = await SubgraphClient.create();
    const accessKey = await generateSigningKey();
    users = await startService('subgraphs/users/dist/main.js', {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '',
      ROUTER_PUBLIC_JWKS: client.routerPublicJwks,
      ACCESS_TOKEN_SIGNING_KEY: accessKey.privatePkcs8,
    });
    const response = await fetch(`http://127.0.0.1:${users.port}/.well-known/jwks.json`);
    jwks = (await response.json()) as typeof jwks;
  });

  afterAll(async () => {
    await users?.stop();
    await sql?.end();
    await database?.drop();
  });

  it('registers, issues an EdDSA access token with typ at+jwt, and records the events', async () => {
    const session = await register('Ada@Example.com');
    expect(session.user.email).toBe('ada@example.com');
    expect(session.user.roles).toEqual(['USER']);
    const claims = await verifyToken(session.accessToken, localKeySet(jwks), {
      type: 'access',
      issuer: 'homegraph-users',
      audience: 'homegraph',
    });
    expect(claims.sub).toBe(session.user.id);
    expect(claims['roles']).toEqual(['USER']);
    expect(session.refreshToken).toMatch(/^hgr_/);
    // Only a hash of the refresh token is stored.
    const stored = await sql.query('SELECT 1 FROM refresh_tokens WHERE token_hash = $1', [
      session.refreshToken,
    ]);
    expect(stored.rowCount).toBe(0);
    expect(await eventTypes(session.user.id)).toEqual([
      'user.registered',
      'user.email_verification_requested',
    ]);
  });

  it('refuses a second account for the same email (any case) and bad input, writing nothing', async () => {
    await register('dup@example.com');
    const before = await count('users');
    const duplicate = await call(REGISTER, {
      input: { email: 'DUP@example.com', password: 'another long password', displayName: 'X' },
    });
    expect(errorCodes(duplicate)).toEqual(['CONFLICT']);
    const shortPassword = await call(REGISTER, {
      input: { email: 'new@example.com', password: 'short', displayName: 'X' },
    });
    expect(errorCodes(shortPassword)).toEqual(['BAD_USER_INPUT']);
    const badEmail = await call(REGISTER, {
      input: { email: 'not-an-email', password: 'long enough password', displayName: 'X' },
    });
    expect(errorCodes(badEmail)).toEqual(['BAD_USER_INPUT']);
    expect(await count('users')).toBe(before);
  });

  it('refuses a wrong password and an unknown email with the same answer', async () => {
    await register('login@example.com');
    const wrong = await call(LOGIN, { input: { email: 'login@example.com', password: 'wrong password!' } });
    const unknown = await call(LOGIN, {
      input: { email: 'nobody@example.com', password: 'wrong password!' },
    });
    expect(errorCodes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(unknown.errors?.[0]?.message).toBe(wrong.errors?.[0]?.message);
    const right = await call<{ login: SessionResult }>(LOGIN, {
      input: { email: 'login@example.com', password: 'correct horse battery' },
    });
    expect(right.data?.login.user.email).toBe('login@example.com');
  });

  it('rotates refresh tokens, and reuse of a spent one revokes the whole family', async () => {
    const first = await register('rotate@example.com');
    const second = await call<{ refreshSession: SessionResult }>(REFRESH, {
      input: { refreshToken: first.refreshToken },
    });
    expect(second.errors).toBeUndefined();
    const secondToken = second.data!.refreshSession.refreshToken;
    expect(secondToken).not.toBe(first.refreshToken);

    const reuse = await call(REFRESH, { input: { refreshToken: first.refreshToken } });
    expect(errorCodes(reuse)).toEqual(['UNAUTHENTICATED']);
    // The thief's (or the victim's) newer token is dead too: the family is revoked.
    const afterReuse = await call(REFRESH, { input: { refreshToken: secondToken } });
    expect(errorCodes(afterReuse)).toEqual(['UNAUTHENTICATED']);
    expect(await eventTypes(first.user.id)).toContain('user.sessions_revoked');
  });

  it('refuses an access token presented as a refresh token', async () => {
    const session = await register('swap@example.com');
    const result = await call(REFRESH, { input: { refreshToken: session.accessToken } });
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
  });

  it('logs out: the refresh token stops working; logging out twice is fine', async () => {
    const session = await register('logout@example.com');
    const logout = `mutation ($input: LogoutInput!) { logout(input: $input) { loggedOut } }`;
    expect((await call(logout, { input: { refreshToken: session.refreshToken } })).errors).toBeUndefined();
    expect((await call(logout, { input: { refreshToken: session.refreshToken } })).errors).toBeUndefined();
    expect(errorCodes(await call(REFRESH, { input: { refreshToken: session.refreshToken } }))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });

  it('changes the password: old sessions end, the old password stops working', async () => {
    const session = await register('change@example.com');
    const change = `mutation ($input: ChangePasswordInput!) { changePassword(input: $input) { ${SESSION} } }`;
    const wrongCurrent = await call(
      change,
      { input: { currentPassword: 'not my password', newPassword: 'a brand new password' } },
      session.user.id,
    );
    expect(errorCodes(wrongCurrent)).toEqual(['BAD_USER_INPUT']);
    const changed = await call(
      change,
      { input: { currentPassword: 'correct horse battery', newPassword: 'a brand new password' } },
      session.user.id,
    );
    expect(changed.errors).toBeUndefined();
    expect(errorCodes(await call(REFRESH, { input: { refreshToken: session.refreshToken } }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    const oldPassword = await call(LOGIN, {
      input: { email: 'change@example.com', password: 'correct horse battery' },
    });
    expect(errorCodes(oldPassword)).toEqual(['UNAUTHENTICATED']);
    expect(await eventTypes(session.user.id)).toEqual(
      expect.arrayContaining(['user.password_changed', 'user.sessions_revoked']),
    );
  });

  it('resets a password with the mailed token, once', async () => {
    const session = await register('reset@example.com');
    const request = `mutation ($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) { accepted } }`;
    expect((await call(request, { input: { email: 'reset@example.com' } })).errors).toBeUndefined();
    // Unknown emails get the same answer, and no event.
    expect((await call(request, { input: { email: 'ghost@example.com' } })).errors).toBeUndefined();
    const { rows } = await sql.query<{ token: string }>(
      `SELECT (value::jsonb)->'payload'->>'token' AS token FROM outbox_events
        WHERE partition_key = $1 AND headers->>'hg-event-type' = 'user.password_reset_requested'`,
      [session.user.id],
    );
    expect(rows).toHaveLength(1);
    const reset = `mutation ($input: ResetPasswordInput!) { resetPassword(input: $input) { accepted } }`;
    const input = { token: rows[0]!.token, newPassword: 'reset to this one' };
    expect((await call(reset, { input })).errors).toBeUndefined();
    expect(errorCodes(await call(reset, { input }))).toEqual(['CONFLICT']);
    const login = await call(LOGIN, { input: { email: 'reset@example.com', password: 'reset to this one' } });
    expect(login.errors).toBeUndefined();
  });

  it('verifies the email with the token of the registration event', async () => {
    const session = await register('verify@example.com');
    const { rows } = await sql.query<{ token: string }>(
      `SELECT (value::jsonb)->'payload'->>'token' AS token FROM outbox_events
        WHERE partition_key = $1 AND headers->>'hg-event-type' = 'user.email_verification_requested'`,
      [session.user.id],
    );
    const verify = `mutation ($input: VerifyEmailInput!) { verifyEmail(input: $input) { user { id emailVerified } } }`;
    const result = await call<{ verifyEmail: { user: { emailVerified: boolean } } }>(
      verify,
      { input: { token: rows[0]!.token } },
      session.user.id,
    );
    expect(result.data?.verifyEmail.user.emailVerified).toBe(true);
    expect(errorCodes(await call(verify, { input: { token: 'hgv_forged' } }))).toEqual(['BAD_USER_INPUT']);
  });

  it("hides a user's email and roles from others, and `me` from anonymous callers", async () => {
    const ada = await register('private@example.com');
    const other = await register('other@example.com');
    const entities = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id displayName email } } }`;
    const asOther = await call(entities, { reps: [{ __typename: 'User', id: ada.user.id }] }, other.user.id);
    expect(errorCodes(asOther)).toEqual(['FORBIDDEN']);
    const publicFields = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id displayName } } }`;
    const visible = await call(publicFields, { reps: [{ __typename: 'User', id: ada.user.id }] });
    expect(visible.data).toEqual({ _entities: [{ id: ada.user.id, displayName: 'Ada Agent' }] });
    expect(errorCodes(await call('{ me { id } }'))).toEqual(['UNAUTHENTICATED']);
    const me = await call<{ me: { id: string } }>('{ me { id email } }', {}, ada.user.id);
    expect(me.data?.me).toEqual({ id: ada.user.id, email: 'private@example.com' });
  });

  it('lets only admins set roles, which the next refresh carries', async () => {
    const agent = await register('to-be-agent@example.com');
    const admin = await register('the-admin@example.com');
    await sql.query(`UPDATE users SET roles = ARRAY['USER','ADMIN']::"Role"[] WHERE id = $1`, [
      admin.user.id,
    ]);
    const setRoles = `mutation ($input: SetUserRolesInput!) { setUserRoles(input: $input) { user { id roles } } }`;
    const input = { input: { userId: agent.user.id, roles: ['AGENT'] } };
    expect(errorCodes(await call(setRoles, input, agent.user.id))).toEqual(['FORBIDDEN']);
    const asAdmin = await client.request<{ setUserRoles: { user: { roles: string[] } } }>(
      `${users.url}/graphql`,
      'users',
      setRoles,
      input,
      { subject: admin.user.id, roles: ['USER', 'ADMIN'] },
    );
    expect(asAdmin.data?.setUserRoles.user.roles).toEqual(['AGENT', 'USER']);
    const refreshed = await call<{ refreshSession: SessionResult }>(REFRESH, {
      input: { refreshToken: agent.refreshToken },
    });
    const claims = await verifyToken(refreshed.data!.refreshSession.accessToken, localKeySet(jwks), {
      type: 'access',
      issuer: 'homegraph-users',
      audience: 'homegraph',
    });
    expect(claims['roles']).toEqual(['AGENT', 'USER']);
    expect(await eventTypes(agent.user.id)).toContain('user.roles_changed');
  });

  it('answers 401 to a request without the router token', async () => {
    const response = await fetch(`${users.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(response.status).toBe(401);
  });
});
