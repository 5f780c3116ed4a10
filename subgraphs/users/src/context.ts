import type { CallerIdentity } from '@homegraph/platform';
import type DataLoader from 'dataloader';
import type { AccountService } from './domain/accounts';
import type { User } from './schema/user';

/** Built once per request. */
export interface UsersContext {
  accounts: AccountService;
  /** Batches every User lookup of one request into one query. */
  users: DataLoader<string, User | null>;
  caller: CallerIdentity;
}
