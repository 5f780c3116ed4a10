import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { OrgsContext } from '../context';
import {
  AcceptInvitationInput,
  AcceptInvitationPayload,
  CreateOrganizationInput,
  CreateOrganizationPayload,
  DeclineInvitationInput,
  DeclineInvitationPayload,
  InviteMemberInput,
  InviteMemberPayload,
  RemoveMemberInput,
  RemoveMemberPayload,
} from '../schema/types';

@Resolver()
export class MutationResolver {
  @Mutation(() => CreateOrganizationPayload, {
    description: 'Creates an agency; the caller becomes its owner',
  })
  async createOrganization(
    @Arg('input', () => CreateOrganizationInput) input: CreateOrganizationInput,
    @Ctx() { caller, service }: OrgsContext,
  ): Promise<CreateOrganizationPayload> {
    return { organization: await service.createOrganization(caller.subject, input) };
  }

  @Mutation(() => InviteMemberPayload, { description: 'Invites someone by email (owners and admins only)' })
  async inviteMember(
    @Arg('input', () => InviteMemberInput) input: InviteMemberInput,
    @Ctx() { caller, service }: OrgsContext,
  ): Promise<InviteMemberPayload> {
    const { invitation, token } = await service.inviteMember(caller.subject, input);
    return { invitation, invitationToken: token };
  }

  @Mutation(() => AcceptInvitationPayload, {
    description: 'The caller joins the organization they were invited to',
  })
  acceptInvitation(
    @Arg('input', () => AcceptInvitationInput) input: AcceptInvitationInput,
    @Ctx() { caller, service }: OrgsContext,
  ): Promise<AcceptInvitationPayload> {
    return service.acceptInvitation(caller.subject, input);
  }

  @Mutation(() => DeclineInvitationPayload)
  async declineInvitation(
    @Arg('input', () => DeclineInvitationInput) input: DeclineInvitationInput,
    @Ctx() { caller, service }: OrgsContext,
  ): Promise<DeclineInvitationPayload> {
    return { invitation: await service.declineInvitation(caller.subject, input) };
  }

  @Mutation(() => RemoveMemberPayload, {
    description: 'Removes a member (owners and admins only; the last owner stays)',
  })
  removeMember(
    @Arg('input', () => RemoveMemberInput) input: RemoveMemberInput,
    @Ctx() { caller, service }: OrgsContext,
  ): Promise<RemoveMemberPayload> {
    return service.removeMember(caller.subject, input);
  }
}
