import { DateTimeResolver } from 'graphql-scalars';
import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ListingStatus } from '../domain/listingStatus';

registerEnumType(ListingStatus, {
  name: 'ListingStatus',
  description: "The platform's lifecycle of a listing (RESO's StandardStatus is beside it)",
});

export enum PropertyType {
  RESIDENTIAL = 'RESIDENTIAL',
  RESIDENTIAL_LEASE = 'RESIDENTIAL_LEASE',
  RESIDENTIAL_INCOME = 'RESIDENTIAL_INCOME',
  LAND = 'LAND',
  COMMERCIAL_SALE = 'COMMERCIAL_SALE',
  COMMERCIAL_LEASE = 'COMMERCIAL_LEASE',
}
registerEnumType(PropertyType, {
  name: 'PropertyType',
  description: 'RESO PropertyType; leases are rentals',
});

export enum PropertySubType {
  APARTMENT = 'APARTMENT',
  CONDOMINIUM = 'CONDOMINIUM',
  SINGLE_FAMILY_RESIDENCE = 'SINGLE_FAMILY_RESIDENCE',
  TOWNHOUSE = 'TOWNHOUSE',
  DUPLEX = 'DUPLEX',
  STUDIO = 'STUDIO',
  OFFICE = 'OFFICE',
  RETAIL = 'RETAIL',
  WAREHOUSE = 'WAREHOUSE',
  FARM = 'FARM',
}
registerEnumType(PropertySubType, { name: 'PropertySubType', description: 'RESO PropertySubType' });

export enum LeaseFrequency {
  WEEKLY = 'WEEKLY',
  MONTHLY = 'MONTHLY',
  ANNUALLY = 'ANNUALLY',
}
registerEnumType(LeaseFrequency, { name: 'LeaseFrequency', description: 'RESO LeaseAmountFrequency' });

export enum AreaUnits {
  SQUARE_METERS = 'SQUARE_METERS',
  SQUARE_FEET = 'SQUARE_FEET',
  ACRES = 'ACRES',
  HECTARES = 'HECTARES',
}
registerEnumType(AreaUnits, { name: 'AreaUnits', description: 'RESO LivingAreaUnits / LotSizeUnits' });

/** The users subgraph owns users; listings adds their listings. */
@Directive('@key(fields: "id")')
@ObjectType()
export class User {
  @Field(() => ID)
  id!: string;
}

/** The orgs subgraph owns agencies; listings adds their listings. */
@Directive('@key(fields: "id")')
@ObjectType()
export class Organization {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ description: 'A price a listing had, from the time it was set' })
export class PricePoint {
  @Field(() => Float)
  amount!: number;

  @Field()
  currency!: string;

  @Field(() => DateTimeResolver)
  changedAt!: Date;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A property offered for sale or rent; fields follow the RESO Data Dictionary' })
export class Listing {
  @Field(() => ID, { description: 'RESO ListingKey' })
  id!: string;

  @Field()
  title!: string;

  @Field({ description: 'RESO PublicRemarks' })
  description!: string;

  @Field(() => ListingStatus)
  status!: ListingStatus;

  @Field({ description: 'RESO StandardStatus, derived from `status`' })
  standardStatus!: string;

  @Field(() => PropertyType)
  propertyType!: string;

  @Field(() => PropertySubType, { nullable: true })
  propertySubType!: string | null;

  @Field(() => Float, { nullable: true, description: 'RESO ListPrice (sales), in `currency`' })
  listPrice!: number | null;

  @Field(() => Float, { nullable: true, description: 'RESO LeaseAmount (leases), in `currency`' })
  leaseAmount!: number | null;

  @Field(() => LeaseFrequency, { nullable: true, description: 'RESO LeaseAmountFrequency' })
  leaseAmountFrequency!: string | null;

  @Field({ description: 'ISO 4217 currency code' })
  currency!: string;

  @Field(() => Int, { nullable: true, description: 'RESO BedroomsTotal' })
  bedroomsTotal!: number | null;

  @Field(() => Int, { nullable: true, description: 'RESO BathroomsTotalInteger' })
  bathroomsTotalInteger!: number | null;

  @Field(() => Float, { nullable: true, description: 'RESO LivingArea, in `livingAreaUnits`' })
  livingArea!: number | null;

  @Field(() => AreaUnits, { nullable: true })
  livingAreaUnits!: string | null;

  @Field(() => Float, { nullable: true, description: 'RESO LotSizeArea, in `lotSizeUnits`' })
  lotSizeArea!: number | null;

  @Field(() => AreaUnits, { nullable: true })
  lotSizeUnits!: string | null;

  @Field(() => Int, { nullable: true, description: 'RESO YearBuilt' })
  yearBuilt!: number | null;

  @Field(() => String, { nullable: true })
  streetNumber!: string | null;

  @Field(() => String, { nullable: true })
  streetName!: string | null;

  @Field(() => String, { nullable: true })
  unitNumber!: string | null;

  @Field(() => String, { nullable: true })
  postalCode!: string | null;

  @Field(() => String, { nullable: true })
  stateOrProvince!: string | null;

  @Field({ description: 'RESO City' })
  city!: string;

  @Field({ description: 'ISO 3166-1 alpha-2 country code (RESO Country)' })
  countryCode!: string;

  @Field(() => Float, { description: 'RESO Latitude (WGS 84)' })
  latitude!: number;

  @Field(() => Float, { description: 'RESO Longitude (WGS 84)' })
  longitude!: number;

  @Field(() => DateTimeResolver, { description: 'RESO ModificationTimestamp' })
  modificationTimestamp!: Date;

  @Field(() => DateTimeResolver, { description: 'RESO StatusChangeTimestamp' })
  statusChangeTimestamp!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'RESO PriceChangeTimestamp' })
  priceChangeTimestamp!: Date | null;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  ownerId!: string;
  organizationId!: string | null;
}
