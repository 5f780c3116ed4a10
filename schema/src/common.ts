import { z } from 'zod';

export const uuid = () => z.string().uuid();
export const money = z.object({
  amount: z.string().regex(/^\d+(\.\d{1,2})?$/, { error: 'a decimal amount with at most 2 decimals' }),
  currency: z.string().regex(/^[A-Z]{3}$/, { error: 'an ISO 4217 code' }),
});
