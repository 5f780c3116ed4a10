import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { AreaUnits, LeaseFrequency, Listing, PropertySubType, PropertyType } from './listing';

@InputType({ description: 'A new listing, created as a DRAFT' })
export class CreateListingInput {
  @Field(() => ID, { nullable: true, description: 'The agency to list for; the caller must be a member' })
  organizationId?: string | null;

  @Field({ description: '5 to 140 characters' })
  title!: string;

  @Field({ defaultValue: '', description: 'At least 20 characters before review' })
  description!: string;

  @Field(() => PropertyType)
  propertyType!: PropertyType;

  @Field(() => PropertySubType, { nullable: true })
  propertySubType?: string | null;

  @Field(() => Float, { nullable: true })
  listPrice?: number | null;

  @Field(() => Float, { nullable: true })
  leaseAmount?: number | null;

  @Field(() => LeaseFrequency, { nullable: true })
  leaseAmountFrequency?: string | null;

  @Field({ description: 'ISO 4217 currency code' })
  currency!: string;

  @Field(() => Int, { nullable: true })
  bedroomsTotal?: number | null;

  @Field(() => Int, { nullable: true })
  bathroomsTotalInteger?: number | null;

  @Field(() => Float, { nullable: true })
  livingArea?: number | null;

  @Field(() => AreaUnits, { nullable: true })
  livingAreaUnits?: string | null;

  @Field(() => Float, { nullable: true })
  lotSizeArea?: number | null;

  @Field(() => AreaUnits, { nullable: true })
  lotSizeUnits?: string | null;

  @Field(() => Int, { nullable: true })
  yearBuilt?: number | null;

  @Field(() => String, { nullable: true })
  streetNumber?: string | null;

  @Field(() => String, { nullable: true })
  streetName?: string | null;

  @Field(() => String, { nullable: true })
  unitNumber?: string | null;

  @Field(() => String, { nullable: true })
  postalCode?: string | null;

  @Field(() => String, { nullable: true })
  stateOrProvince?: string | null;

  @Field()
  city!: string;

  @Field({ description: 'ISO 3166-1 alpha-2' })
  countryCode!: string;

  @Field(() => Float)
  latitude!: number;

  @Field(() => Float)
  longitude!: number;
}

@InputType({
  description:
    'Changes to a listing: omitted fields stay, null clears. On an ACTIVE listing a change of material fields (all but the price) sends it back to review.',
})
export class UpdateListingInput {
  @Field(() => ID)
  id!: string;

  @Field({ nullable: true })
  title?: string;

  @Field({ nullable: true })
  description?: string;

  @Field(() => PropertyType, { nullable: true })
  propertyType?: PropertyType;

  @Field(() => PropertySubType, { nullable: true })
  propertySubType?: string | null;

  @Field(() => Float, { nullable: true })
  listPrice?: number | null;

  @Field(() => Float, { nullable: true })
  leaseAmount?: number | null;

  @Field(() => LeaseFrequency, { nullable: true })
  leaseAmountFrequency?: string | null;

  @Field({ nullable: true })
  currency?: string;

  @Field(() => Int, { nullable: true })
  bedroomsTotal?: number | null;

  @Field(() => Int, { nullable: true })
  bathroomsTotalInteger?: number | null;

  @Field(() => Float, { nullable: true })
  livingArea?: number | null;

  @Field(() => AreaUnits, { nullable: true })
  livingAreaUnits?: string | null;

  @Field(() => Float, { nullable: true })
  lotSizeArea?: number | null;

  @Field(() => AreaUnits, { nullable: true })
  lotSizeUnits?: string | null;

  @Field(() => Int, { nullable: true })
  yearBuilt?: number | null;

  @Field(() => String, { nullable: true })
  streetNumber?: string | null;

  @Field(() => String, { nullable: true })
  streetName?: string | null;

  @Field(() => String, { nullable: true })
  unitNumber?: string | null;

  @Field(() => String, { nullable: true })
  postalCode?: string | null;

  @Field(() => String, { nullable: true })
  stateOrProvince?: string | null;

  @Field({ nullable: true })
  city?: string;

  @Field({ nullable: true })
  countryCode?: string;

  @Field(() => Float, { nullable: true })
  latitude?: number;

  @Field(() => Float, { nullable: true })
  longitude?: number;
}

@InputType({ description: 'Names one listing for a lifecycle step' })
export class ListingTransitionInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Why, kept in the status-change event' })
  reason?: string | null;
}

@ObjectType()
export class ListingPayload {
  @Field(() => Listing)
  listing!: Listing;
}
