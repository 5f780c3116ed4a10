import { DateTimeResolver } from 'graphql-scalars';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum Role {
  USER = 'USER',
  AGENT = 'AGENT',
  MODERATOR = 'MODERATOR',
  ADMIN = 'ADMIN',
}
registerEnumType(Role, { name: 'Role', description: 'Platform roles' });

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A person with an account' })
export class User {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Shown to others, e.g. on listings' })
  displayName!: string;

  @Field({ description: 'Visible to the user and to admins only' })
  email!: string;

  @Field(() => Boolean, { description: 'Whether the user proved they own `email`' })
  emailVerified!: boolean;

  @Field(() => [Role], { description: 'Visible to the user and to admins only' })
  roles!: Role[];

  @Field(() => DateTimeResolver)
  createdAt!: Date;
}

/**
 * Marks the user of a session payload: whoever just signed in (or registered) may read their own
 * account, though their request carried no access token yet.
 */
export const SESSION_OWNER = Symbol('sessionOwner');

export const asSessionOwner = (user: User): User => Object.assign(user, { [SESSION_OWNER]: true });

export interface UserRecord {
  id: string;
  displayName: string;
  email: string;
  emailVerifiedAt: Date | null;
  roles: string[];
  createdAt: Date;
}

export const toUser = (row: UserRecord): User => ({
  id: row.id,
  displayName: row.displayName,
  email: row.email,
  emailVerified: row.emailVerifiedAt !== null,
  roles: row.roles as Role[],
  createdAt: row.createdAt,
});
