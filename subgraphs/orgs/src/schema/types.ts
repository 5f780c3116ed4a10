import { DateTimeResolver } from 'graphql-scalars';
import { Directive, Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { InvitationStatus, OrgRole } from '../domain/roles';

registerEnumType(OrgRole, { name: 'OrgRole', description: "A member's role in an organization" });
registerEnumType(InvitationStatus, {
  name: 'InvitationStatus',
  description: 'Where an invitation to join an organization stands',
});

/** The users subgraph owns users; this subgraph only refers to them. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType({ description: 'A platform user (owned by the users subgraph)' })
export class User {
  @Field(() => ID)
  id!: string;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'An agency: the organization agents list properties for' })
export class Organization {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => DateTimeResolver)
  createdAt!: Date;
}

@ObjectType({ description: "A user's membership of an organization" })
export class Membership {
  organizationId!: string;

  @Field(() => User)
  user!: User;

  @Field(() => OrgRole)
  role!: OrgRole;

  @Field(() => DateTimeResolver)
  joinedAt!: Date;
}

@ObjectType({ description: 'An invitation to join an organization, sent by email' })
export class Invitation {
  @Field(() => ID)
  id!: string;

  organizationId!: string;

  @Field({ description: 'The invited address, lower-cased' })
  email!: string;

  @Field(() => OrgRole, { description: 'The role the invitee gets on accepting' })
  role!: OrgRole;

  @Field(() => InvitationStatus)
  status!: InvitationStatus;

  @Field(() => User)
  invitedBy!: User;

  @Field(() => DateTimeResolver)
  expiresAt!: Date;

  @Field(() => DateTimeResolver)
  createdAt!: Date;
}

@InputType()
export class CreateOrganizationInput {
  @Field({ description: '2 to 120 characters, trimmed' })
  name!: string;
}

@ObjectType()
export class CreateOrganizationPayload {
  @Field(() => Organization)
  organization!: Organization;
}

@InputType()
export class InviteMemberInput {
  @Field(() => ID)
  organizationId!: string;

  @Field()
  email!: string;

  @Field(() => OrgRole)
  role!: OrgRole;
}

@ObjectType()
export class InviteMemberPayload {
  @Field(() => Invitation)
  invitation!: Invitation;

  @Field({
    description: 'The secret the invitee accepts with. Returned only here, once; only its hash is stored.',
  })
  invitationToken!: string;
}

@InputType()
export class AcceptInvitationInput {
  @Field({ description: 'The token from the invitation email' })
  token!: string;
}

@InputType()
export class DeclineInvitationInput {
  @Field({ description: 'The token from the invitation email' })
  token!: string;
}

@ObjectType()
export class AcceptInvitationPayload {
  @Field(() => Membership)
  membership!: Membership;

  @Field(() => Organization)
  organization!: Organization;
}

@ObjectType()
export class DeclineInvitationPayload {
  @Field(() => Invitation)
  invitation!: Invitation;
}

@InputType()
export class RemoveMemberInput {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => ID)
  userId!: string;
}

@ObjectType()
export class RemoveMemberPayload {
  @Field(() => Organization)
  organization!: Organization;

  @Field(() => Membership, { description: 'The membership as it was before its removal' })
  membership!: Membership;
}
