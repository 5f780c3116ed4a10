import { defineEvent } from '@homegraph/platform';
import { z } from 'zod';
import { uuid } from './common';

export const moderationDecisionMade = defineEvent({
  type: 'moderation.decision.made',
  version: 1,
  topic: 'moderation.events.v1',
  aggregateType: 'ReviewCase',
  description:
    'A moderator (or an automated rule) decided a review case; listings applies it to the listing.',
  payload: z.object({
    caseId: uuid(),
    listingId: uuid(),
    decision: z.enum(['APPROVED', 'REJECTED', 'CHANGES_REQUESTED']),
    reasons: z.array(z.string()).default([]),
    decidedBy: z.object({ type: z.enum(['moderator', 'rule']), id: z.string() }),
  }),
});
