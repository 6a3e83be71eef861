/**
 * Login attempts per username for the local identity provider, in memory: the same
 * {@link LoginFailureLog} the login function keeps in DynamoDB on AWS, so `/login` locks a username out
 * locally exactly as it does there. Forgotten on restart, like a lockout that has run out.
 */
import type { LoginAttemptRecord, LoginFailureLog } from '../../lambdas/core/login-lockout.ts';
import type { Clock } from '../../lambdas/core/ports.ts';

export class MemoryLoginFailureLog implements LoginFailureLog {
  private readonly records = new Map<string, LoginAttemptRecord & { readonly expiresAt: number }>();

  /** `now` (epoch ms) decides when a record has expired, as DynamoDB TTL would. */
  constructor(private readonly now: Clock = Date.now) {}

  async read(key: string): Promise<LoginAttemptRecord> {
    const record = this.records.get(key);
    if (!record) return { attempts: [], version: 0 };
    // Expired records still answer with their version, as a TTL-deleted item lingers until DynamoDB removes it.
    const live = record.expiresAt * 1000 > this.now();
    return { attempts: live ? record.attempts : [], version: record.version };
  }

  async write(
    key: string,
    attempts: readonly number[],
    version: number,
    expiresAt: number,
  ): Promise<boolean> {
    if ((this.records.get(key)?.version ?? 0) !== version) return false;
    this.records.set(key, { attempts: [...attempts], version: version + 1, expiresAt });
    return true;
  }
}
