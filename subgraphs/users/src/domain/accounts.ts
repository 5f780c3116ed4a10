import { AppError, type OutboxWriter, uuidv7 } from '@homegraph/platform';
import {
  emailVerificationRequested,
  emailVerified,
  passwordChanged,
  passwordResetRequested,
  rolesChanged,
  sessionsRevoked,
  userRegistered,
} from '@homegraph/schema';
import { z } from 'zod';
import type { PrismaClient } from '../data/prisma';
import type { AccessTokenIssuer } from './accessTokens';
import {
  checkPasswordPolicy,
  decoyPasswordHash,
  hashPassword,
  newOpaqueToken,
  tokenHash,
  verifyPassword,
} from './credentials';

type Transaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
type UserRow = Awaited<ReturnType<PrismaClient['user']['findUniqueOrThrow']>>;

export interface Session {
  user: UserRow;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export interface AccountSettings {
  refreshTokenTtlDays: number;
  emailVerificationTtlHours: number;
  passwordResetTtlMinutes: number;
}

const emailSchema = z.email();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INVALID_CREDENTIALS = 'email or password is incorrect';
const INVALID_REFRESH = 'the refresh token is invalid, expired or already used; sign in again';

function normalizeEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  if (normalized.length > 254 || !emailSchema.safeParse(normalized).success) {
    throw new AppError('BAD_USER_INPUT', 'email is not a valid address', { field: 'email' });
  }
  return normalized;
}

function normalizeDisplayName(displayName: string): string {
  const trimmed = displayName.trim();
  if (trimmed.length < 1 || trimmed.length > 80) {
    throw new AppError('BAD_USER_INPUT', 'displayName must be 1 to 80 characters long', {
      field: 'displayName',
    });
  }
  return trimmed;
}

const userActor = (userId: string) => ({ type: 'user' as const, id: userId });

/**
 * Accounts and sessions. Every change and its events commit in one transaction; refresh tokens rotate
 * on every use, and presenting a spent one revokes its whole family (RFC 9700 §4.14.2).
 */
export class AccountService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly outbox: OutboxWriter,
    private readonly accessTokens: AccessTokenIssuer,
    private readonly settings: AccountSettings,
  ) {}

  async register(input: { email: string; password: string; displayName: string }): Promise<Session> {
    const email = normalizeEmail(input.email);
    const displayName = normalizeDisplayName(input.displayName);
    checkPasswordPolicy(input.password);
    const passwordHash = await hashPassword(input.password);
    const verificationToken = newOpaqueToken('hgv');
    const verificationExpiresAt = this.hoursFromNow(this.settings.emailVerificationTtlHours);
    const userId = uuidv7();
    const { user, refresh } = await this.prisma
      .$transaction(async (tx) => {
        if (await tx.user.findUnique({ where: { email }, select: { id: true } })) {
          throw new AppError('CONFLICT', 'an account with this email already exists', { field: 'email' });
        }
        const user = await tx.user.create({
          data: { id: userId, email, displayName, passwordHash, roles: ['USER'], version: 2 },
        });
        await tx.oneTimeToken.create({
          data: {
            id: uuidv7(),
            userId,
            purpose: 'EMAIL_VERIFICATION',
            tokenHash: tokenHash(verificationToken),
            expiresAt: verificationExpiresAt,
          },
        });
        await this.outbox.publish(
          tx,
          {
            type: userRegistered.type,
            aggregate: { id: userId, version: 1 },
            actor: userActor(userId),
            payload: { userId, email, displayName, roles: user.roles },
          },
          {
            type: emailVerificationRequested.type,
            aggregate: { id: userId, version: 2 },
            actor: userActor(userId),
            payload: {
              userId,
              email,
              token: verificationToken,
              expiresAt: verificationExpiresAt.toISOString(),
            },
          },
        );
        const refresh = await this.createRefreshToken(tx, userId, uuidv7());
        return { user, refresh };
      })
      .catch((error: unknown) => {
        // Two registrations racing for one email: the unique index decides.
        if ((error as { code?: string }).code === 'P2002') {
          throw new AppError('CONFLICT', 'an account with this email already exists', { field: 'email' });
        }
        throw error;
      });
    return this.session(user, refresh);
  }

  async login(input: { email: string; password: string }): Promise<Session> {
    const email = normalizeEmail(input.email);
    const user = await this.prisma.user.findUnique({ where: { email } });
    const valid = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), input.password);
    if (!user || !valid) throw new AppError('UNAUTHENTICATED', INVALID_CREDENTIALS);
    const refresh = await this.createRefreshToken(this.prisma, user.id, uuidv7());
    return this.session(user, refresh);
  }

  async refresh(refreshToken: string): Promise<Session> {
    const now = new Date();
    const outcome = await this.prisma.$transaction(async (tx) => {
      const current = await tx.refreshToken.findUnique({
        where: { tokenHash: tokenHash(refreshToken) },
        include: { user: true },
      });
      if (!current || current.revokedAt || current.expiresAt <= now) return { refused: true as const };
      // Spending is conditional, so of two concurrent refreshes with one token only one wins; the
      // loser is treated as reuse.
      const spent = await tx.refreshToken.updateMany({
        where: { id: current.id, spentAt: null, revokedAt: null },
        data: { spentAt: now },
      });
      if (spent.count !== 1) {
        await this.revokeFamilies(tx, current.user, [current.familyId], 'REFRESH_TOKEN_REUSED');
        return { refused: true as const };
      }
      const next = await this.createRefreshToken(tx, current.userId, current.familyId);
      return { refused: false as const, user: current.user, next };
    });
    if (outcome.refused) throw new AppError('UNAUTHENTICATED', INVALID_REFRESH);
    return this.session(outcome.user, outcome.next);
  }

  /** Ends the sign-in the refresh token belongs to. Unknown tokens are ignored: logging out is idempotent. */
  async logout(refreshToken: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const current = await tx.refreshToken.findUnique({
        where: { tokenHash: tokenHash(refreshToken) },
        include: { user: true },
      });
      if (!current || current.revokedAt) return;
      await this.revokeFamilies(tx, current.user, [current.familyId], 'LOGOUT');
    });
  }

  async changePassword(
    userId: string,
    input: { currentPassword: string; newPassword: string },
  ): Promise<Session> {
    checkPasswordPolicy(input.newPassword, 'newPassword');
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    if (!user) throw new AppError('UNAUTHENTICATED', 'the account no longer exists');
    if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
      throw new AppError('BAD_USER_INPUT', 'the current password is incorrect', { field: 'currentPassword' });
    }
    const passwordHash = await hashPassword(input.newPassword);
    const { updated, refresh } = await this.prisma.$transaction(async (tx) => {
      const updated = await this.setPassword(tx, user, passwordHash, 'CHANGE');
      const refresh = await this.createRefreshToken(tx, user.id, uuidv7());
      return { updated, refresh };
    });
    return this.session(updated, refresh);
  }

  /** Always succeeds, so the answer doesn't reveal whether an account exists. */
  async requestPasswordReset(rawEmail: string): Promise<void> {
    const email = normalizeEmail(rawEmail);
    const token = newOpaqueToken('hgp');
    const expiresAt = new Date(Date.now() + this.settings.passwordResetTtlMinutes * 60_000);
    await this.prisma.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { email } });
      if (!user) return;
      await tx.oneTimeToken.create({
        data: {
          id: uuidv7(),
          userId: user.id,
          purpose: 'PASSWORD_RESET',
          tokenHash: tokenHash(token),
          expiresAt,
        },
      });
      const version = await this.bumpVersion(tx, user.id);
      await this.outbox.publish(tx, {
        type: passwordResetRequested.type,
        aggregate: { id: user.id, version },
        actor: userActor(user.id),
        payload: { userId: user.id, email, token, expiresAt: expiresAt.toISOString() },
      });
    });
  }

  async resetPassword(input: { token: string; newPassword: string }): Promise<void> {
    checkPasswordPolicy(input.newPassword, 'newPassword');
    const passwordHash = await hashPassword(input.newPassword);
    await this.prisma.$transaction(async (tx) => {
      const user = await this.spendOneTimeToken(tx, input.token, 'PASSWORD_RESET');
      await this.setPassword(tx, user, passwordHash, 'RESET');
    });
  }

  async requestEmailVerification(userId: string): Promise<void> {
    const token = newOpaqueToken('hgv');
    const expiresAt = this.hoursFromNow(this.settings.emailVerificationTtlHours);
    await this.prisma.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { id: userId } });
      if (!user) throw new AppError('UNAUTHENTICATED', 'the account no longer exists');
      if (user.emailVerifiedAt) throw new AppError('CONFLICT', 'the email address is already verified');
      await tx.oneTimeToken.create({
        data: { id: uuidv7(), userId, purpose: 'EMAIL_VERIFICATION', tokenHash: tokenHash(token), expiresAt },
      });
      const version = await this.bumpVersion(tx, userId);
      await this.outbox.publish(tx, {
        type: emailVerificationRequested.type,
        aggregate: { id: userId, version },
        actor: userActor(userId),
        payload: { userId, email: user.email, token, expiresAt: expiresAt.toISOString() },
      });
    });
  }

  async verifyEmail(token: string): Promise<UserRow> {
    return this.prisma.$transaction(async (tx) => {
      const user = await this.spendOneTimeToken(tx, token, 'EMAIL_VERIFICATION');
      const updated = await tx.user.update({
        where: { id: user.id },
        data: { emailVerifiedAt: user.emailVerifiedAt ?? new Date(), version: { increment: 1 } },
      });
      await this.outbox.publish(tx, {
        type: emailVerified.type,
        aggregate: { id: user.id, version: updated.version },
        actor: userActor(user.id),
        payload: { userId: user.id, email: user.email },
      });
      return updated;
    });
  }

  /** An admin sets a user's platform roles; every user keeps USER. */
  async setRoles(adminId: string, userId: string, roles: string[]): Promise<UserRow> {
    if (!UUID.test(userId))
      throw new AppError('BAD_USER_INPUT', 'userId must be a UUID', { field: 'userId' });
    const unique = [...new Set(['USER', ...roles])].sort() as UserRow['roles'];
    return this.prisma.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { id: userId } });
      if (!user) throw new AppError('NOT_FOUND', 'no such user', { field: 'userId' });
      if (userId === adminId && !unique.includes('ADMIN')) {
        throw new AppError('CONFLICT', 'an admin cannot remove their own ADMIN role', { field: 'roles' });
      }
      const updated = await tx.user.update({
        where: { id: userId },
        data: { roles: unique, version: { increment: 1 } },
      });
      await this.outbox.publish(tx, {
        type: rolesChanged.type,
        aggregate: { id: userId, version: updated.version },
        actor: userActor(adminId),
        payload: { userId, roles: unique, changedBy: adminId },
      });
      return updated;
    });
  }

  private async session(user: UserRow, refresh: { token: string; expiresAt: Date }): Promise<Session> {
    const access = await this.accessTokens.issue(user);
    return {
      user,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: refresh.token,
      refreshTokenExpiresAt: refresh.expiresAt,
    };
  }

  private async createRefreshToken(
    db: Pick<Transaction, 'refreshToken'>,
    userId: string,
    familyId: string,
  ): Promise<{ token: string; expiresAt: Date }> {
    const token = newOpaqueToken('hgr');
    const expiresAt = this.hoursFromNow(this.settings.refreshTokenTtlDays * 24);
    await db.refreshToken.create({
      data: { id: uuidv7(), userId, familyId, tokenHash: tokenHash(token), expiresAt },
    });
    return { token, expiresAt };
  }

  private async setPassword(
    tx: Transaction,
    user: UserRow,
    passwordHash: string,
    via: 'CHANGE' | 'RESET',
  ): Promise<UserRow> {
    const updated = await tx.user.update({
      where: { id: user.id },
      data: { passwordHash, version: { increment: 1 } },
    });
    await this.outbox.publish(tx, {
      type: passwordChanged.type,
      aggregate: { id: user.id, version: updated.version },
      actor: userActor(user.id),
      payload: { userId: user.id, via },
    });
    const families = await tx.refreshToken.findMany({
      where: { userId: user.id, revokedAt: null },
      distinct: ['familyId'],
      select: { familyId: true },
    });
    return this.revokeFamilies(
      tx,
      updated,
      families.map((row) => row.familyId),
      'PASSWORD_CHANGED',
    );
  }

  private async revokeFamilies(
    tx: Transaction,
    user: UserRow,
    familyIds: string[],
    reason: 'LOGOUT' | 'PASSWORD_CHANGED' | 'REFRESH_TOKEN_REUSED',
  ): Promise<UserRow> {
    if (!familyIds.length) return user;
    await tx.refreshToken.updateMany({
      where: { familyId: { in: familyIds }, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    const updated = await tx.user.update({ where: { id: user.id }, data: { version: { increment: 1 } } });
    await this.outbox.publish(tx, {
      type: sessionsRevoked.type,
      aggregate: { id: user.id, version: updated.version },
      actor: reason === 'REFRESH_TOKEN_REUSED' ? { type: 'system', id: 'users' } : userActor(user.id),
      payload: { userId: user.id, reason, familyIds },
    });
    return updated;
  }

  private async spendOneTimeToken(
    tx: Transaction,
    token: string,
    purpose: 'EMAIL_VERIFICATION' | 'PASSWORD_RESET',
  ): Promise<UserRow> {
    const row = await tx.oneTimeToken.findUnique({
      where: { tokenHash: tokenHash(token) },
      include: { user: true },
    });
    if (!row || row.purpose !== purpose) {
      throw new AppError('BAD_USER_INPUT', 'the token is invalid', { field: 'token' });
    }
    if (row.usedAt) throw new AppError('CONFLICT', 'the token was already used', { field: 'token' });
    if (row.expiresAt <= new Date()) {
      throw new AppError('BAD_USER_INPUT', 'the token has expired; request a new one', { field: 'token' });
    }
    const spent = await tx.oneTimeToken.updateMany({
      where: { id: row.id, usedAt: null },
      data: { usedAt: new Date() },
    });
    if (spent.count !== 1) throw new AppError('CONFLICT', 'the token was already used', { field: 'token' });
    return row.user;
  }

  private async bumpVersion(tx: Transaction, userId: string): Promise<number> {
    const updated = await tx.user.update({
      where: { id: userId },
      data: { version: { increment: 1 } },
      select: { version: true },
    });
    return updated.version;
  }

  private hoursFromNow(hours: number): Date {
    return new Date(Date.now() + hours * 3_600_000);
  }
}
