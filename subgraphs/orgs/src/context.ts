import type { CallerIdentity } from '@homegraph/platform';
import type { OrganizationRepository, OrgsLoaders } from './data/organizationRepository';
import type { OrganizationService } from './domain/organizationService';

/** Built once per request: the loaders batch and cache within that request only. */
export interface OrgsContext {
  /** Who the router vouches for. */
  caller: CallerIdentity;
  organizations: OrganizationRepository;
  service: OrganizationService;
  loaders: OrgsLoaders;
}

export function createContext(
  caller: CallerIdentity,
  organizations: OrganizationRepository,
  service: OrganizationService,
): OrgsContext {
  return { caller, organizations, service, loaders: organizations.createLoaders() };
}
