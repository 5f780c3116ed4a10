import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { ListingsContext } from '../context';
import type { ListingFields } from '../domain/listingFields';
import type { Transition } from '../domain/listingStatus';
import {
  CreateListingInput,
  ListingPayload,
  ListingTransitionInput,
  UpdateListingInput,
} from '../schema/inputs';
import { toListing } from './visibility';

const NULLABLE_DEFAULTS = {
  propertySubType: null,
  listPrice: null,
  leaseAmount: null,
  leaseAmountFrequency: null,
  bedroomsTotal: null,
  bathroomsTotalInteger: null,
  livingArea: null,
  livingAreaUnits: null,
  lotSizeArea: null,
  lotSizeUnits: null,
  yearBuilt: null,
  streetNumber: null,
  streetName: null,
  unitNumber: null,
  postalCode: null,
  stateOrProvince: null,
};

async function step(context: ListingsContext, input: ListingTransitionInput, transition: Transition) {
  const record = await context.listings.transition(
    context.caller,
    input.id,
    transition,
    input.reason ?? undefined,
  );
  return { listing: toListing(record) };
}

@Resolver()
export class ListingMutationResolver {
  @Mutation(() => ListingPayload, { description: 'Drafts a listing (status DRAFT)' })
  async createListing(
    @Arg('input', () => CreateListingInput) input: CreateListingInput,
    @Ctx() { listings, caller }: ListingsContext,
  ): Promise<ListingPayload> {
    const { organizationId, ...fields } = input;
    const record = await listings.create(caller, {
      ...NULLABLE_DEFAULTS,
      ...(fields as Partial<ListingFields>),
      organizationId: organizationId ?? null,
    } as ListingFields & { organizationId: string | null });
    return { listing: toListing(record) };
  }

  @Mutation(() => ListingPayload)
  async updateListing(
    @Arg('input', () => UpdateListingInput) input: UpdateListingInput,
    @Ctx() { listings, caller }: ListingsContext,
  ): Promise<ListingPayload> {
    const { id, ...changes } = input;
    return { listing: toListing(await listings.update(caller, id, changes as Partial<ListingFields>)) };
  }

  @Mutation(() => ListingPayload, {
    description: 'Sends a draft (or a rejected, withdrawn or expired listing) to review',
  })
  submitListing(
    @Arg('input', () => ListingTransitionInput) input: ListingTransitionInput,
    @Ctx() context: ListingsContext,
  ): Promise<ListingPayload> {
    return step(context, input, 'SUBMIT');
  }

  @Mutation(() => ListingPayload, { description: 'Takes a listing off the market' })
  withdrawListing(
    @Arg('input', () => ListingTransitionInput) input: ListingTransitionInput,
    @Ctx() context: ListingsContext,
  ): Promise<ListingPayload> {
    return step(context, input, 'WITHDRAW');
  }

  @Mutation(() => ListingPayload)
  markListingUnderContract(
    @Arg('input', () => ListingTransitionInput) input: ListingTransitionInput,
    @Ctx() context: ListingsContext,
  ): Promise<ListingPayload> {
    return step(context, input, 'MARK_UNDER_CONTRACT');
  }

  @Mutation(() => ListingPayload, {
    description: 'An UNDER_CONTRACT listing whose deal fell through is ACTIVE again',
  })
  markListingBackOnMarket(
    @Arg('input', () => ListingTransitionInput) input: ListingTransitionInput,
    @Ctx() context: ListingsContext,
  ): Promise<ListingPayload> {
    return step(context, input, 'BACK_ON_MARKET');
  }

  @Mutation(() => ListingPayload)
  markListingSold(
    @Arg('input', () => ListingTransitionInput) input: ListingTransitionInput,
    @Ctx() context: ListingsContext,
  ): Promise<ListingPayload> {
    return step(context, input, 'MARK_SOLD');
  }

  @Mutation(() => ListingPayload)
  markListingRented(
    @Arg('input', () => ListingTransitionInput) input: ListingTransitionInput,
    @Ctx() context: ListingsContext,
  ): Promise<ListingPayload> {
    return step(context, input, 'MARK_RENTED');
  }
}
