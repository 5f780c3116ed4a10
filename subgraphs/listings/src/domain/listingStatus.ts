import { AppError } from '@homegraph/platform';

/** Values mirror the `ListingStatus` enum of the database schema. */
export enum ListingStatus {
  DRAFT = 'DRAFT',
  PENDING_REVIEW = 'PENDING_REVIEW',
  ACTIVE = 'ACTIVE',
  UNDER_CONTRACT = 'UNDER_CONTRACT',
  SOLD = 'SOLD',
  RENTED = 'RENTED',
  WITHDRAWN = 'WITHDRAWN',
  EXPIRED = 'EXPIRED',
  REJECTED = 'REJECTED',
}

/** What moves a listing, and who may do it: an editor, moderation (by event), or the platform. */
export type Transition =
  | 'SUBMIT'
  | 'APPROVE'
  | 'REJECT'
  | 'REQUEST_CHANGES'
  | 'MATERIAL_EDIT'
  | 'WITHDRAW'
  | 'MARK_UNDER_CONTRACT'
  | 'BACK_ON_MARKET'
  | 'MARK_SOLD'
  | 'MARK_RENTED'
  | 'EXPIRE';

const S = ListingStatus;

/** The lifecycle: from a status, the transitions allowed and where each leads. Anything else is refused. */
const LIFECYCLE: Record<ListingStatus, Partial<Record<Transition, ListingStatus>>> = {
  [S.DRAFT]: { SUBMIT: S.PENDING_REVIEW, WITHDRAW: S.WITHDRAWN },
  [S.PENDING_REVIEW]: {
    APPROVE: S.ACTIVE,
    REJECT: S.REJECTED,
    REQUEST_CHANGES: S.DRAFT,
    WITHDRAW: S.WITHDRAWN,
  },
  [S.ACTIVE]: {
    MATERIAL_EDIT: S.PENDING_REVIEW,
    MARK_UNDER_CONTRACT: S.UNDER_CONTRACT,
    WITHDRAW: S.WITHDRAWN,
    EXPIRE: S.EXPIRED,
  },
  [S.UNDER_CONTRACT]: {
    BACK_ON_MARKET: S.ACTIVE,
    MARK_SOLD: S.SOLD,
    MARK_RENTED: S.RENTED,
    WITHDRAW: S.WITHDRAWN,
  },
  [S.REJECTED]: { SUBMIT: S.PENDING_REVIEW, WITHDRAW: S.WITHDRAWN },
  [S.WITHDRAWN]: { SUBMIT: S.PENDING_REVIEW },
  [S.EXPIRED]: { SUBMIT: S.PENDING_REVIEW },
  [S.SOLD]: {},
  [S.RENTED]: {},
};

export function nextStatus(from: ListingStatus, transition: Transition): ListingStatus | undefined {
  return LIFECYCLE[from][transition];
}

/** The next status, or CONFLICT naming what is possible from here. */
export function requireTransition(from: ListingStatus, transition: Transition): ListingStatus {
  const to = nextStatus(from, transition);
  if (to) return to;
  const allowed = Object.keys(LIFECYCLE[from]);
  throw new AppError(
    'CONFLICT',
    `a ${from} listing cannot ${transition.toLowerCase().replace(/_/g, ' ')}` +
      (allowed.length ? `; allowed: ${allowed.join(', ')}` : '; it is final'),
    { status: from, transition },
  );
}

/** Editors may change fields of listings in these statuses (SOLD and RENTED are history). */
export const EDITABLE = new Set<ListingStatus>([
  S.DRAFT,
  S.PENDING_REVIEW,
  S.ACTIVE,
  S.UNDER_CONTRACT,
  S.REJECTED,
  S.WITHDRAWN,
  S.EXPIRED,
]);

/** Seen by everyone; other statuses only by the listing's owner, its agency's admins and staff. */
export const PUBLIC = new Set<ListingStatus>([S.ACTIVE, S.UNDER_CONTRACT, S.SOLD, S.RENTED]);

/** RESO StandardStatus beside the platform's richer lifecycle. */
export const RESO_STANDARD_STATUS: Record<ListingStatus, string> = {
  [S.DRAFT]: 'Incomplete',
  [S.PENDING_REVIEW]: 'Incomplete',
  [S.ACTIVE]: 'Active',
  [S.UNDER_CONTRACT]: 'ActiveUnderContract',
  [S.SOLD]: 'Closed',
  [S.RENTED]: 'Closed',
  [S.WITHDRAWN]: 'Withdrawn',
  [S.EXPIRED]: 'Expired',
  [S.REJECTED]: 'Canceled',
};
