-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ListingStatus" AS ENUM ('DRAFT', 'PENDING_REVIEW', 'ACTIVE', 'UNDER_CONTRACT', 'SOLD', 'RENTED', 'WITHDRAWN', 'EXPIRED', 'REJECTED');

-- CreateTable
CREATE TABLE "listings" (
    "id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "status" "ListingStatus" NOT NULL DEFAULT 'DRAFT',
    "city" TEXT NOT NULL,
    "country_code" CHAR(2) NOT NULL,
    "list_price" DECIMAL(14,2),
    "currency" CHAR(3) NOT NULL,
    "bedrooms_total" INTEGER,
    "latitude" DOUBLE PRECISION NOT NULL,
    "longitude" DOUBLE PRECISION NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "modification_timestamp" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "listings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "listings_status_modification_timestamp_idx" ON "listings"("status", "modification_timestamp");

