import { DateTimeResolver } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { Role, User } from './user';

@InputType()
export class RegisterInput {
  @Field()
  email!: string;

  @Field({ description: '10 to 256 characters' })
  password!: string;

  @Field()
  displayName!: string;
}

@InputType()
export class LoginInput {
  @Field()
  email!: string;

  @Field()
  password!: string;
}

@InputType()
export class RefreshSessionInput {
  @Field({ description: 'The refresh token of the last session payload; it is spent by this call' })
  refreshToken!: string;
}

@InputType()
export class LogoutInput {
  @Field()
  refreshToken!: string;
}

@InputType()
export class ChangePasswordInput {
  @Field()
  currentPassword!: string;

  @Field()
  newPassword!: string;
}

@InputType()
export class RequestPasswordResetInput {
  @Field()
  email!: string;
}

@InputType()
export class ResetPasswordInput {
  @Field({ description: 'The token from the reset mail' })
  token!: string;

  @Field()
  newPassword!: string;
}

@InputType()
export class VerifyEmailInput {
  @Field({ description: 'The token from the verification mail' })
  token!: string;
}

@ObjectType({ description: 'A signed-in session: a short-lived access token and a rotating refresh token' })
export class SessionPayload {
  @Field(() => User)
  user!: User;

  @Field({ description: 'Send as `Authorization: Bearer <token>`' })
  accessToken!: string;

  @Field(() => DateTimeResolver)
  accessTokenExpiresAt!: Date;

  @Field({ description: 'Exchange for a new session with `refreshSession`; usable once' })
  refreshToken!: string;

  @Field(() => DateTimeResolver)
  refreshTokenExpiresAt!: Date;
}

@ObjectType()
export class LogoutPayload {
  @Field({ description: 'Always true: logging out is idempotent' })
  loggedOut!: boolean;
}

@ObjectType()
export class RequestAcceptedPayload {
  @Field({
    description: 'Always true, whether or not an account matched, so the answer reveals nothing',
  })
  accepted!: boolean;
}

@ObjectType()
export class UserPayload {
  @Field(() => User)
  user!: User;
}

@InputType()
export class SetUserRolesInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => [Role], { description: 'The complete set; USER is always kept' })
  roles!: Role[];
}
