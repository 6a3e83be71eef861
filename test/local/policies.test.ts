import { describe, expect, it } from 'vitest';
import {
  loadConnectPolicyConfig,
  loadCredentialSourceConfig,
  loadOriginConfig,
  loadSessionPolicyConfig,
  loadSweepConfig,
  loadTicketConfig,
  loadTokenCookieConfig,
} from '../../lambdas/config.ts';
import {
  historyVariables,
  policyEnvironment,
  policyVariables,
  rateLimitVariables,
  roomRateVariables,
  roomVariables,
} from '../../local/policies.ts';

describe('local stack policies', () => {
  it('sets only LOGIN_COOKIE=true when no policy is given, so the handlers keep their defaults', () => {
    // Act / Assess
    expect(policyEnvironment()).toEqual({ LOGIN_COOKIE: 'true' });
  });

  it('maps every policy to its variable', () => {
    // Act
    const environment = policyEnvironment({
      maxConnectionsPerUser: 3,
      rateLimit: { perSecond: 4, burst: 5, closeAfterRefusals: 10 },
      rooms: {
        maxRoomsPerConnection: 11,
        maxMembersPerRoom: 12,
        createdPerUserPerHour: 13,
        announceJoinsUpTo: 14,
        occupancyIntervalSeconds: 15,
      },
      history: {
        retentionDays: 16,
        maxReplay: 17,
        holeTimeoutSeconds: 18,
        deleteOwnWindowSeconds: 19,
        roomRate: { perSecond: 20, burst: 21 },
      },
      allowedOrigins: ['http://localhost:5173', 'https://chat.example.com'],
      allowMissingOrigin: false,
      loginCookie: false,
      reauthNoticeSeconds: 6,
      reauthGraceSeconds: 7,
      connectProbeMinAgeSeconds: 8,
      ticketTtlSeconds: 9,
      allowQueryToken: false,
      tokensInBody: true,
    });

    // Assess
    expect(environment).toEqual({
      MAX_CONNECTIONS_PER_USER: '3',
      RATE_LIMIT_PER_SECOND: '4',
      RATE_LIMIT_BURST: '5',
      RATE_LIMIT_CLOSE_AFTER: '10',
      ROOMS_PER_CONNECTION: '11',
      MEMBERS_PER_ROOM: '12',
      ROOMS_CREATED_PER_HOUR: '13',
      ANNOUNCE_JOINS_UP_TO: '14',
      OCCUPANCY_INTERVAL_SECONDS: '15',
      HISTORY_RETENTION_DAYS: '16',
      MAX_REPLAY: '17',
      HISTORY_HOLE_TIMEOUT_SECONDS: '18',
      DELETE_OWN_WINDOW_SECONDS: '19',
      ROOM_MESSAGES_PER_SECOND: '20',
      ROOM_MESSAGES_BURST: '21',
      ALLOWED_ORIGINS: 'http://localhost:5173,https://chat.example.com',
      ALLOW_MISSING_ORIGIN: 'false',
      LOGIN_COOKIE: 'false',
      REAUTH_NOTICE_SECONDS: '6',
      REAUTH_GRACE_SECONDS: '7',
      CONNECT_PROBE_MIN_AGE_SECONDS: '8',
      TICKET_TTL_SECONDS: '9',
      ALLOW_QUERY_TOKEN: 'false',
      TOKENS_IN_BODY: 'true',
    });
    expect(Object.keys(environment).sort()).toEqual(
      [
        ...Object.values(policyVariables),
        ...Object.values(rateLimitVariables),
        ...Object.values(roomVariables),
        ...Object.values(historyVariables),
        ...Object.values(roomRateVariables),
      ].sort(),
    );
  });

  it.each([
    [3, 6],
    [0, 1],
  ])('gives a rate limit of %d a burst of %d unless one is given', (perSecond, burst) => {
    // Act / Assess
    expect(policyEnvironment({ rateLimit: { perSecond } })).toMatchObject({
      RATE_LIMIT_BURST: String(burst),
    });
  });

  it('produces values the handlers’ configuration loaders accept and read back', () => {
    // Prepare
    const env = policyEnvironment({
      maxConnectionsPerUser: 2,
      rateLimit: { perSecond: 3, closeAfterRefusals: 7 },
      allowedOrigins: ['http://app.parley.test'],
      allowMissingOrigin: false,
      reauthNoticeSeconds: 4,
      reauthGraceSeconds: 5,
      connectProbeMinAgeSeconds: 1,
      ticketTtlSeconds: 2,
      allowQueryToken: false,
      tokensInBody: false,
    });

    // Act
    const read = {
      connect: loadConnectPolicyConfig(env),
      session: loadSessionPolicyConfig(env),
      origins: loadOriginConfig(env),
      sweep: loadSweepConfig(env),
      tickets: loadTicketConfig(env),
      cookie: loadTokenCookieConfig(env),
      sources: loadCredentialSourceConfig(env),
    };

    // Assess
    expect(read).toEqual({
      connect: { maxConnectionsPerUser: 2, probeMinAgeSeconds: 1 },
      session: { rateLimit: { perSecond: 3, burst: 6 }, closeAfterRefusals: 7 },
      origins: { allowedOrigins: new Set(['http://app.parley.test']), allowMissingOrigin: false },
      sweep: { reauthNoticeSeconds: 4, reauthGraceSeconds: 5 },
      tickets: { store: undefined, ttlSeconds: 2 },
      cookie: { enabled: true, tokensInBody: false },
      sources: { allowQueryToken: false, cookie: { enabled: true, tokensInBody: false } },
    });
  });
});
