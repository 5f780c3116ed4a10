import { Ctx, Query, Resolver } from 'type-graphql';
import type { UsersContext } from '../context';
import { User } from '../schema/user';

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user' })
  me(@Ctx() { users, caller }: UsersContext): Promise<User | null> {
    return users.load(caller.subject);
  }
}
