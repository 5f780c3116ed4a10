// Prisma CLI config: the JavaScript engine with the pg driver adapter, so no downloaded binary is needed.
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  adapter: async () => new PrismaPg({ connectionString: process.env['DATABASE_URL'] ?? '' }),
});
