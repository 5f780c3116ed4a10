import { AppError } from '@homegraph/platform';
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { ListingsContext } from '../context';
import { checkUuid } from '../domain/listingService';
import { ListingStatus } from '../domain/listingStatus';
import { Listing, Organization, PricePoint, User } from '../schema/listing';
import { toListing, visibleListing } from './visibility';

export const MAX_PAGE_SIZE = 100;

export function checkPageSize(first: number): number {
  if (first < 1 || first > MAX_PAGE_SIZE) {
    throw new AppError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE_SIZE}`, { field: 'first' });
  }
  return first;
}

@Resolver(() => Listing)
export class ListingResolver {
  @Query(() => Listing, { nullable: true, description: 'One listing by its id, if the caller may see it' })
  async listing(@Arg('id', () => ID) id: string, @Ctx() context: ListingsContext): Promise<Listing | null> {
    return visibleListing(await context.reader.byId.load(checkUuid('id', id)), context);
  }

  @Query(() => [Listing], { description: 'The most recently changed published listings' })
  async listings(
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Ctx() { reader }: ListingsContext,
  ): Promise<Listing[]> {
    return (await reader.newestPublic(checkPageSize(first))).map(toListing);
  }

  @Query(() => [Listing], { description: "The caller's own listings, in every status, newest change first" })
  async myListings(
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Arg('status', () => ListingStatus, { nullable: true }) status: ListingStatus | undefined,
    @Ctx() { reader, caller }: ListingsContext,
  ): Promise<Listing[]> {
    return (await reader.ownedBy(caller.subject, checkPageSize(first), status ?? undefined)).map(toListing);
  }

  @FieldResolver(() => User, { description: 'The agent who listed it' })
  owner(@Root() listing: Listing): User {
    return { id: listing.ownerId };
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The agency it is listed by' })
  organization(@Root() listing: Listing): Organization | null {
    return listing.organizationId ? { id: listing.organizationId } : null;
  }

  @FieldResolver(() => [PricePoint], { description: 'Every price it had, oldest first' })
  priceHistory(@Root() listing: Listing, @Ctx() { reader }: ListingsContext): Promise<PricePoint[]> {
    return reader.priceHistory.load(listing.id);
  }
}

@Resolver(() => User)
export class UserListingsResolver {
  @FieldResolver(() => [Listing], { description: "The user's published listings, newest change first" })
  async listings(
    @Root() user: User,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Ctx() { reader }: ListingsContext,
  ): Promise<Listing[]> {
    return (await reader.publicByOwner.load(`${user.id}:${checkPageSize(first)}`)).map(toListing);
  }
}

@Resolver(() => Organization)
export class OrganizationListingsResolver {
  @FieldResolver(() => [Listing], { description: "The agency's published listings, newest change first" })
  async listings(
    @Root() organization: Organization,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Ctx() { reader }: ListingsContext,
  ): Promise<Listing[]> {
    return (await reader.publicByOrganization.load(`${organization.id}:${checkPageSize(first)}`)).map(
      toListing,
    );
  }
}
