import { DateTimeResolver } from 'graphql-scalars';
import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ListingStatus } from '../domain/listingStatus';

registerEnumType(ListingStatus, {
  name: 'ListingStatus',
  description: "The platform's lifecycle of a listing",
});

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A property offered for sale or rent' })
export class Listing {
  @Field(() => ID, { description: 'RESO ListingKey' })
  id!: string;

  @Field()
  title!: string;

  @Field(() => ListingStatus)
  status!: ListingStatus;

  @Field({ description: 'RESO City' })
  city!: string;

  @Field({ description: 'ISO 3166-1 alpha-2 country code (RESO Country)' })
  countryCode!: string;

  @Field(() => Float, { nullable: true, description: 'RESO ListPrice, in `currency`' })
  listPrice!: number | null;

  @Field({ description: 'ISO 4217 currency code' })
  currency!: string;

  @Field(() => Int, { nullable: true, description: 'RESO BedroomsTotal' })
  bedroomsTotal!: number | null;

  @Field(() => Float, { description: 'RESO Latitude (WGS 84)' })
  latitude!: number;

  @Field(() => Float, { description: 'RESO Longitude (WGS 84)' })
  longitude!: number;

  @Field(() => DateTimeResolver, { description: 'RESO ModificationTimestamp' })
  modificationTimestamp!: Date;
}
