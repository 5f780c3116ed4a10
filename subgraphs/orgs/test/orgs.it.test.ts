import { createHash } from 'node:crypto';
import { readTopic, testKafka, waitFor } from '../../../platform/test/events/harness';
import { ANONYMOUS, errorCodes, newUserId, NO_ROUTER_TOKEN, startOrgs, type OrgsUnderTest } from './harness';

const CREATE = `mutation ($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id name createdAt } }
}`;
const INVITE = `mutation ($input: InviteMemberInput!) {
  inviteMember(input: $input) {
    invitationToken
    invitation { id email role status expiresAt invitedBy { id } organization { id } }
  }
}`;
const ACCEPT = `mutation ($token: String!) {
  acceptInvitation(input: { token: $token }) {
    membership { user { id } role joinedAt }
    organization { id name }
  }
}`;
const DECLINE = `mutation ($token: String!) {
  declineInvitation(input: { token: $token }) { invitation { id status } }
}`;
const REMOVE = `mutation ($input: RemoveMemberInput!) {
  removeMember(input: $input) { organization { id } membership { user { id } role } }
}`;
const MEMBERS = `query ($id: ID!) {
  organization(id: $id) { id name members { user { id } role } }
}`;

interface CreatedOrganization {
  createOrganization: { organization: { id: string; name: string } };
}
interface Invited {
  inviteMember: { invitationToken: string; invitation: { id: string; status: string; expiresAt: string } };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('orgs subgraph against real PostgreSQL and Kafka', () => {
  let orgs: OrgsUnderTest;

  beforeAll(async () => {
    orgs = await startOrgs();
  });

  afterAll(async () => {
    await orgs?.stop();
  });

  async function createOrganization(owner: string, name = 'Casa Iberia Realty'): Promise<string> {
    const result = await orgs.gql<CreatedOrganization>(owner, CREATE, { input: { name } });
    expect(result.errors).toBeUndefined();
    return result.data!.createOrganization.organization.id;
  }

  async function invite(inviter: string, organizationId: string, role = 'AGENT') {
    const result = await orgs.gql<Invited>(inviter, INVITE, {
      input: { organizationId, email: 'Agent@Example.com', role },
    });
    expect(result.errors).toBeUndefined();
    return result.data!.inviteMember;
  }

  /** Rows of the tables a refused mutation must not touch. */
  const snapshot = async () => ({
    organizations: await orgs.count('organizations'),
    memberships: await orgs.count('memberships'),
    invitations: await orgs.count('invitations'),
    outbox: await orgs.count('outbox_events'),
  });

  it('creates, invites and accepts, lists the members, and records every change as an event', async () => {
    const owner = newUserId();
    const agent = newUserId();
    const created = await orgs.gql<CreatedOrganization>(owner, CREATE, {
      input: { name: '  Casa Iberia  ' },
    });
    expect(created.errors).toBeUndefined();
    const organizationId = created.data!.createOrganization.organization.id;
    expect(created.data!.createOrganization.organization.name).toBe('Casa Iberia');

    const { invitationToken, invitation } = await invite(owner, organizationId);
    expect(invitation).toMatchObject({ email: 'agent@example.com', role: 'AGENT', status: 'PENDING' });
    const days = (Date.parse(invitation.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);

    const stored = await orgs.db.query('SELECT token_hash FROM invitations WHERE id = $1', [invitation.id]);
    expect(stored.rows[0].token_hash).toBe(sha256(invitationToken));

    const accepted = await orgs.gql(agent, ACCEPT, { token: invitationToken });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data).toMatchObject({
      acceptInvitation: {
        membership: { user: { id: agent }, role: 'AGENT' },
        organization: { id: organizationId },
      },
    });

    const members = await orgs.gql(agent, MEMBERS, { id: organizationId });
    expect(members.errors).toBeUndefined();
    expect(members.data).toEqual({
      organization: {
        id: organizationId,
        name: 'Casa Iberia',
        members: [
          { user: { id: owner }, role: 'OWNER' },
          { user: { id: agent }, role: 'AGENT' },
        ],
      },
    });
    const mine = await orgs.gql<{ myOrganizations: { id: string }[] }>(agent, '{ myOrganizations { id } }');
    expect(mine.data?.myOrganizations).toEqual([{ id: organizationId }]);

    const { rows } = await orgs.db.query(
      'SELECT topic, partition_key, value FROM outbox_events WHERE partition_key = $1 ORDER BY id',
      [organizationId],
    );
    const events = rows.map((row) => ({
      topic: row.topic,
      key: row.partition_key,
      ...JSON.parse(row.value),
    }));
    expect(events.map((event) => [event.type, event.aggregate.version])).toEqual([
      ['organization.created', 1],
      ['organization.member_joined', 2],
      ['organization.invitation_created', 3],
      ['organization.member_joined', 4],
    ]);
    for (const event of events) {
      expect(event).toMatchObject({
        topic: 'orgs.events.v1',
        producer: 'orgs',
        aggregate: { type: 'Organization', id: organizationId },
      });
    }
    expect(events[2].payload).toMatchObject({
      token: invitationToken,
      email: 'agent@example.com',
      invitedBy: owner,
    });
    expect(events[3]).toMatchObject({
      actor: { type: 'user', id: agent },
      payload: { userId: agent, role: 'AGENT', invitationId: invitation.id },
    });
    const version = await orgs.db.query('SELECT version FROM organizations WHERE id = $1', [organizationId]);
    expect(version.rows[0].version).toBe(4);

    // The relay running inside the service delivers them, keyed by organization, in order.
    const delivered = await readTopic(
      testKafka(),
      'orgs.events.v1',
      (messages) => messages.filter((message) => message.key === organizationId).length >= 4,
    );
    expect(
      delivered
        .filter((message) => message.key === organizationId)
        .map((message) => JSON.parse(message.value ?? '{}').eventId),
    ).toEqual(events.map((event) => event.eventId));
    await waitFor('outbox rows marked published', async () => {
      const pending = await orgs.db.query(
        'SELECT count(*)::int AS n FROM outbox_events WHERE partition_key = $1 AND published_at IS NULL',
        [organizationId],
      );
      return pending.rows[0].n === 0;
    });
  });

  it('shows members to members only', async () => {
    const owner = newUserId();
    const organizationId = await createOrganization(owner);
    const outsider = await orgs.gql(newUserId(), MEMBERS, { id: organizationId });
    expect(errorCodes(outsider)).toEqual(['FORBIDDEN']);
    const publicFields = await orgs.gql(ANONYMOUS, 'query ($id: ID!) { organization(id: $id) { id name } }', {
      id: organizationId,
    });
    expect(publicFields.data).toEqual({ organization: { id: organizationId, name: 'Casa Iberia Realty' } });
    const anonymous = await orgs.gql(ANONYMOUS, MEMBERS, { id: organizationId });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses an invitation from a non-admin with FORBIDDEN and writes nothing', async () => {
    const owner = newUserId();
    const agent = newUserId();
    const organizationId = await createOrganization(owner);
    const { invitationToken } = await invite(owner, organizationId);
    expect((await orgs.gql(agent, ACCEPT, { token: invitationToken })).errors).toBeUndefined();

    const before = await snapshot();
    for (const caller of [agent, newUserId()]) {
      const result = await orgs.gql(caller, INVITE, {
        input: { organizationId, email: 'friend@example.com', role: 'AGENT' },
      });
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('answers CONFLICT for an expired invitation and marks it EXPIRED', async () => {
    const owner = newUserId();
    const organizationId = await createOrganization(owner);
    const { invitationToken, invitation } = await invite(owner, organizationId);
    await orgs.db.query(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
      invitation.id,
    ]);
    const before = await snapshot();

    const result = await orgs.gql(newUserId(), ACCEPT, { token: invitationToken });
    expect(errorCodes(result)).toEqual(['CONFLICT']);
    expect(result.errors?.[0]?.message).toMatch(/expired/);
    const { rows } = await orgs.db.query('SELECT status FROM invitations WHERE id = $1', [invitation.id]);
    expect(rows[0].status).toBe('EXPIRED');
    expect(await snapshot()).toEqual(before);

    const again = await orgs.gql(newUserId(), DECLINE, { token: invitationToken });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
  });

  it('answers CONFLICT for a token used before, and NOT_FOUND for an unknown one', async () => {
    const owner = newUserId();
    const organizationId = await createOrganization(owner);
    const { invitationToken } = await invite(owner, organizationId);
    expect((await orgs.gql(newUserId(), ACCEPT, { token: invitationToken })).errors).toBeUndefined();
    const before = await snapshot();

    const reused = await orgs.gql(newUserId(), ACCEPT, { token: invitationToken });
    expect(errorCodes(reused)).toEqual(['CONFLICT']);
    expect(reused.errors?.[0]?.message).toMatch(/already accepted/);
    expect(errorCodes(await orgs.gql(newUserId(), DECLINE, { token: invitationToken }))).toEqual([
      'CONFLICT',
    ]);
    expect(errorCodes(await orgs.gql(newUserId(), ACCEPT, { token: 'no-such-token' }))).toEqual([
      'NOT_FOUND',
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('declines an invitation, with its event', async () => {
    const owner = newUserId();
    const organizationId = await createOrganization(owner);
    const { invitationToken, invitation } = await invite(owner, organizationId);
    const result = await orgs.gql(newUserId(), DECLINE, { token: invitationToken });
    expect(result.data).toEqual({
      declineInvitation: { invitation: { id: invitation.id, status: 'DECLINED' } },
    });
    const { rows } = await orgs.db.query(
      'SELECT value FROM outbox_events WHERE partition_key = $1 ORDER BY id DESC LIMIT 1',
      [organizationId],
    );
    expect(JSON.parse(rows[0].value)).toMatchObject({
      type: 'organization.invitation_declined',
      aggregate: { version: 4 },
      payload: { organizationId, invitationId: invitation.id },
    });
  });

  it('removes members but never the last owner', async () => {
    const owner = newUserId();
    const agent = newUserId();
    const organizationId = await createOrganization(owner);
    const { invitationToken } = await invite(owner, organizationId);
    await orgs.gql(agent, ACCEPT, { token: invitationToken });

    const byAgent = await orgs.gql(agent, REMOVE, { input: { organizationId, userId: owner } });
    expect(errorCodes(byAgent)).toEqual(['FORBIDDEN']);
    const before = await snapshot();
    const lastOwner = await orgs.gql(owner, REMOVE, { input: { organizationId, userId: owner } });
    expect(errorCodes(lastOwner)).toEqual(['CONFLICT']);
    expect(await snapshot()).toEqual(before);

    const removed = await orgs.gql(owner, REMOVE, { input: { organizationId, userId: agent } });
    expect(removed.data).toEqual({
      removeMember: {
        organization: { id: organizationId },
        membership: { user: { id: agent }, role: 'AGENT' },
      },
    });
    const { rows } = await orgs.db.query(
      'SELECT value FROM outbox_events WHERE partition_key = $1 ORDER BY id DESC LIMIT 1',
      [organizationId],
    );
    expect(JSON.parse(rows[0].value)).toMatchObject({
      type: 'organization.member_removed',
      aggregate: { version: 5 },
      payload: { organizationId, userId: agent },
    });
    expect(errorCodes(await orgs.gql(agent, MEMBERS, { id: organizationId }))).toEqual(['FORBIDDEN']);
  });

  it('answers UNAUTHENTICATED to anonymous callers of mutations and myOrganizations', async () => {
    const before = await snapshot();
    expect(errorCodes(await orgs.gql(ANONYMOUS, CREATE, { input: { name: 'Anon Homes' } }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(errorCodes(await orgs.gql(ANONYMOUS, ACCEPT, { token: 'whatever' }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await orgs.gql(ANONYMOUS, '{ myOrganizations { id } }'))).toEqual(['UNAUTHENTICATED']);
    expect(await snapshot()).toEqual(before);
  });

  it('answers BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const owner = newUserId();
    const organizationId = await createOrganization(owner);
    const before = await snapshot();
    const cases: [string, Record<string, unknown>, string][] = [
      [CREATE, { input: { name: '  a  ' } }, 'name'],
      [CREATE, { input: { name: 'x'.repeat(121) } }, 'name'],
      [INVITE, { input: { organizationId, email: 'not-an-email', role: 'AGENT' } }, 'email'],
      [
        INVITE,
        { input: { organizationId: 'not-a-uuid', email: 'a@example.com', role: 'AGENT' } },
        'organizationId',
      ],
      [REMOVE, { input: { organizationId, userId: 'nope' } }, 'userId'],
      [ACCEPT, { token: '   ' }, 'token'],
      [MEMBERS, { id: 'not-a-uuid' }, 'id'],
    ];
    for (const [query, variables, field] of cases) {
      const result = await orgs.gql(owner, query, variables);
      expect({ field, codes: errorCodes(result) }).toEqual({ field, codes: ['BAD_USER_INPUT'] });
      expect(result.errors?.[0]?.extensions['field']).toBe(field);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('answers 401 to a request without the router token', async () => {
    const result = await orgs.gql(NO_ROUTER_TOKEN, '{ myOrganizations { id } }');
    expect(result.status).toBe(401);
    expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
  });
});
