import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { UsersContext } from '../context';
import type { Session } from '../domain/accounts';
import {
  ChangePasswordInput,
  LoginInput,
  LogoutInput,
  LogoutPayload,
  RefreshSessionInput,
  RegisterInput,
  RequestAcceptedPayload,
  RequestPasswordResetInput,
  ResetPasswordInput,
  SessionPayload,
  SetUserRolesInput,
  UserPayload,
  VerifyEmailInput,
} from '../schema/session';
import { asSessionOwner, toUser } from '../schema/user';

const toPayload = (session: Session): SessionPayload => ({
  ...session,
  user: asSessionOwner(toUser(session.user)),
});

@Resolver()
export class SessionResolver {
  @Mutation(() => SessionPayload, { description: 'Creates an account and signs it in' })
  async register(
    @Arg('input', () => RegisterInput) input: RegisterInput,
    @Ctx() { accounts }: UsersContext,
  ): Promise<SessionPayload> {
    return toPayload(await accounts.register(input));
  }

  @Mutation(() => SessionPayload)
  async login(
    @Arg('input', () => LoginInput) input: LoginInput,
    @Ctx() { accounts }: UsersContext,
  ): Promise<SessionPayload> {
    return toPayload(await accounts.login(input));
  }

  @Mutation(() => SessionPayload, {
    description: 'Spends a refresh token for a new session; reusing a spent one ends the whole sign-in',
  })
  async refreshSession(
    @Arg('input', () => RefreshSessionInput) input: RefreshSessionInput,
    @Ctx() { accounts }: UsersContext,
  ): Promise<SessionPayload> {
    return toPayload(await accounts.refresh(input.refreshToken));
  }

  @Mutation(() => LogoutPayload)
  async logout(
    @Arg('input', () => LogoutInput) input: LogoutInput,
    @Ctx() { accounts }: UsersContext,
  ): Promise<LogoutPayload> {
    await accounts.logout(input.refreshToken);
    return { loggedOut: true };
  }

  @Mutation(() => SessionPayload, { description: 'Ends every other session and starts a new one' })
  async changePassword(
    @Arg('input', () => ChangePasswordInput) input: ChangePasswordInput,
    @Ctx() { accounts, caller }: UsersContext,
  ): Promise<SessionPayload> {
    return toPayload(await accounts.changePassword(caller.subject, input));
  }

  @Mutation(() => RequestAcceptedPayload)
  async requestPasswordReset(
    @Arg('input', () => RequestPasswordResetInput) input: RequestPasswordResetInput,
    @Ctx() { accounts }: UsersContext,
  ): Promise<RequestAcceptedPayload> {
    await accounts.requestPasswordReset(input.email);
    return { accepted: true };
  }

  @Mutation(() => RequestAcceptedPayload, { description: 'Sets a new password and ends every session' })
  async resetPassword(
    @Arg('input', () => ResetPasswordInput) input: ResetPasswordInput,
    @Ctx() { accounts }: UsersContext,
  ): Promise<RequestAcceptedPayload> {
    await accounts.resetPassword(input);
    return { accepted: true };
  }

  @Mutation(() => RequestAcceptedPayload)
  async requestEmailVerification(@Ctx() { accounts, caller }: UsersContext): Promise<RequestAcceptedPayload> {
    await accounts.requestEmailVerification(caller.subject);
    return { accepted: true };
  }

  @Mutation(() => UserPayload)
  async verifyEmail(
    @Arg('input', () => VerifyEmailInput) input: VerifyEmailInput,
    @Ctx() { accounts }: UsersContext,
  ): Promise<UserPayload> {
    return { user: asSessionOwner(toUser(await accounts.verifyEmail(input.token))) };
  }

  @Mutation(() => UserPayload, {
    description: "Sets a user's platform roles (admins only); they apply from the user's next token refresh",
  })
  async setUserRoles(
    @Arg('input', () => SetUserRolesInput) input: SetUserRolesInput,
    @Ctx() { accounts, caller }: UsersContext,
  ): Promise<UserPayload> {
    return { user: toUser(await accounts.setRoles(caller.subject, input.userId, input.roles)) };
  }
}
