import { AppError } from '@homegraph/platform';
import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { Listing } from '../schema/listing';
import type { ListingsContext } from '../context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_PAGE_SIZE = 100;

@Resolver(() => Listing)
export class ListingResolver {
  @Query(() => Listing, { nullable: true, description: 'One listing by its id' })
  async listing(
    @Arg('id', () => ID) id: string,
    @Ctx() { listings }: ListingsContext,
  ): Promise<Listing | null> {
    if (!UUID.test(id)) throw new AppError('BAD_USER_INPUT', 'id must be a UUID', { field: 'id' });
    return listings.findById(id);
  }

  @Query(() => [Listing], { description: 'The most recently changed listings' })
  async listings(
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Ctx() { listings }: ListingsContext,
  ): Promise<Listing[]> {
    if (first < 1 || first > MAX_PAGE_SIZE) {
      throw new AppError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE_SIZE}`, {
        field: 'first',
      });
    }
    return listings.findNewest(first);
  }
}
