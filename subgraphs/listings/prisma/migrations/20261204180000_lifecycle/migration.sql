-- Listings get their owner, agency, RESO fields, a PostGIS point, price history and a version, and the
-- subgraph keeps a projection of agency memberships (from orgs events) to authorize agents.
-- Before this migration the table held only walking-skeleton demo rows without owners; nothing was
-- deployed, so they are removed rather than given an invented owner (`make up` seeds anew).
CREATE EXTENSION IF NOT EXISTS postgis;

DELETE FROM "listings";

CREATE TYPE "PropertyType" AS ENUM ('RESIDENTIAL', 'RESIDENTIAL_LEASE', 'RESIDENTIAL_INCOME', 'LAND', 'COMMERCIAL_SALE', 'COMMERCIAL_LEASE');

ALTER TABLE "listings"
    ADD COLUMN "owner_id" UUID NOT NULL,
    ADD COLUMN "organization_id" UUID,
    ADD COLUMN "description" TEXT NOT NULL DEFAULT '',
    ADD COLUMN "property_type" "PropertyType" NOT NULL,
    ADD COLUMN "property_sub_type" TEXT,
    ADD COLUMN "lease_amount" DECIMAL(14,2),
    ADD COLUMN "lease_amount_frequency" TEXT,
    ADD COLUMN "bathrooms_total_integer" INTEGER,
    ADD COLUMN "living_area" DECIMAL(12,2),
    ADD COLUMN "living_area_units" TEXT,
    ADD COLUMN "lot_size_area" DECIMAL(14,2),
    ADD COLUMN "lot_size_units" TEXT,
    ADD COLUMN "year_built" INTEGER,
    ADD COLUMN "street_number" TEXT,
    ADD COLUMN "street_name" TEXT,
    ADD COLUMN "unit_number" TEXT,
    ADD COLUMN "postal_code" TEXT,
    ADD COLUMN "state_or_province" TEXT,
    ADD COLUMN "status_change_timestamp" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    ADD COLUMN "price_change_timestamp" TIMESTAMPTZ(3),
    ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1,
    ADD COLUMN "location" geography(Point, 4326)
        GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint("longitude", "latitude"), 4326)::geography) STORED;

CREATE INDEX "listings_owner_id_modification_timestamp_idx" ON "listings"("owner_id", "modification_timestamp");
CREATE INDEX "listings_organization_id_modification_timestamp_idx" ON "listings"("organization_id", "modification_timestamp");
CREATE INDEX "listings_location_idx" ON "listings" USING GIST ("location");

CREATE TABLE "listing_price_history" (
    "id" BIGSERIAL NOT NULL,
    "listing_id" UUID NOT NULL,
    "amount" DECIMAL(14,2) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "listing_price_history_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "listing_price_history_listing_id_fkey" FOREIGN KEY ("listing_id") REFERENCES "listings"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "listing_price_history_listing_id_changed_at_idx" ON "listing_price_history"("listing_id", "changed_at");

-- `role` NULL means the user left; the row stays so an older event can't bring the membership back.
CREATE TABLE "organization_memberships" (
    "organization_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" TEXT,
    "organization_version" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "organization_memberships_pkey" PRIMARY KEY ("organization_id", "user_id")
);
CREATE INDEX "organization_memberships_user_id_idx" ON "organization_memberships"("user_id");
