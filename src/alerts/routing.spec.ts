import fc from 'fast-check';
import type { RecipientSpec } from '../rules/rule-definition';
import {
  replaceGoneRecipient,
  routeAlert,
  stillReachable,
  type OpenEmrUser,
  type RoutingFacts,
} from './routing';

const drSmith: OpenEmrUser = { id: 5, username: 'drsmith', active: true };
const drGone: OpenEmrUser = { id: 6, username: 'drgone', active: false };
const nurseAmy: OpenEmrUser = { id: 7, username: 'amy', active: true };
const nurseBen: OpenEmrUser = { id: 8, username: 'ben', active: false };
const onCall: OpenEmrUser = { id: 9, username: 'oncall', active: true };
const blank: OpenEmrUser = { id: 10, username: ' ', active: true };

function facts(overrides: Partial<RoutingFacts> = {}): RoutingFacts {
  return {
    provider: drSmith,
    groupMembers: new Map([['clin', [drSmith, nurseAmy, nurseBen]]]),
    users: new Map([
      ['amy', nurseAmy],
      ['ben', nurseBen],
      ['oncall', onCall],
    ]),
    ...overrides,
  };
}

describe('routeAlert', () => {
  it('sends to the active provider without the fallback', () => {
    expect(routeAlert(['provider'], facts(), ['oncall'])).toEqual({
      recipients: [{ username: 'drsmith', userId: 5 }],
      reasons: [],
    });
  });

  it('falls back when the patient has no provider, and says so', () => {
    expect(routeAlert(['provider'], facts({ provider: null }), ['oncall'])).toEqual({
      recipients: [{ username: 'oncall', userId: 9 }],
      reasons: [{ code: 'provider_missing' }],
    });
  });

  it('never writes to an inactive provider or one without a username', () => {
    expect(routeAlert(['provider'], facts({ provider: drGone }), ['oncall'])).toEqual({
      recipients: [{ username: 'oncall', userId: 9 }],
      reasons: [{ code: 'provider_inactive', username: 'drgone' }],
    });
    expect(routeAlert(['provider'], facts({ provider: blank }), ['oncall']).reasons).toEqual([
      { code: 'provider_inactive', username: ' ' },
    ]);
  });

  it('expands a group to its active members, once each', () => {
    expect(routeAlert(['provider', 'group:clin'], facts(), ['oncall'])).toEqual({
      recipients: [
        { username: 'drsmith', userId: 5 },
        { username: 'amy', userId: 7 },
      ],
      reasons: [],
    });
  });

  it('falls back for a group with no active member or an unknown group', () => {
    const groupMembers = new Map([['front', [nurseBen]]]);
    expect(routeAlert(['group:front', 'group:back'], facts({ groupMembers }), ['oncall'])).toEqual({
      recipients: [{ username: 'oncall', userId: 9 }],
      reasons: [
        { code: 'group_empty', group: 'front' },
        { code: 'group_empty', group: 'back' },
      ],
    });
  });

  it('keeps the reachable recipients and adds the fallback for unknown or inactive users', () => {
    expect(routeAlert(['user:amy', 'user:zoe', 'user:ben'], facts(), ['oncall', 'amy'])).toEqual({
      recipients: [
        { username: 'amy', userId: 7 },
        { username: 'oncall', userId: 9 },
      ],
      reasons: [
        { code: 'user_unknown', username: 'zoe' },
        { code: 'user_inactive', username: 'ben' },
      ],
    });
  });

  it('reports unusable fallbacks and, with nobody left, an empty list the delivery must hold', () => {
    expect(routeAlert(['provider'], facts({ provider: drGone }), ['ben', 'nobody'])).toEqual({
      recipients: [],
      reasons: [
        { code: 'provider_inactive', username: 'drgone' },
        { code: 'fallback_inactive', username: 'ben' },
        { code: 'fallback_unknown', username: 'nobody' },
        { code: 'nobody_reachable' },
      ],
    });
  });

  it('falls back when a rule names nobody', () => {
    expect(routeAlert([], facts(), ['oncall'])).toEqual({
      recipients: [{ username: 'oncall', userId: 9 }],
      reasons: [{ code: 'no_recipient_named' }],
    });
  });

  it('does not read group members for groups the rule does not name', () => {
    expect(routeAlert(['user:amy'], facts(), []).recipients).toEqual([
      { username: 'amy', userId: 7 },
    ]);
  });

  it('only ever picks active, named users from its inputs, each once', () => {
    const user = fc.record({
      id: fc.integer({ min: 1, max: 12 }),
      username: fc.constantFrom('', 'a', 'b', 'c', 'd', 'e'),
      active: fc.boolean(),
    });
    const spec = fc.oneof(
      fc.constant<RecipientSpec>('provider'),
      fc.constantFrom<RecipientSpec>('user:a', 'user:b', 'user:x', 'group:clin', 'group:doc'),
    );
    fc.assert(
      fc.property(
        fc.array(spec, { maxLength: 5 }),
        fc.option(user, { nil: null }),
        fc.array(user, { maxLength: 4 }),
        fc.array(user, { maxLength: 6 }),
        fc.array(fc.constantFrom('a', 'b', 'c', 'z'), { maxLength: 3 }),
        (named, provider, clin, known, fallback) => {
          const routing: RoutingFacts = {
            provider,
            groupMembers: new Map<string, OpenEmrUser[]>([
              ['clin', clin],
              ['admin', [{ id: 99, username: 'root', active: true }]],
            ]),
            users: new Map(known.map((u) => [u.username, u])),
          };
          const allowed = [...(provider ? [provider] : []), ...clin, ...known].filter(
            (u) => u.active && u.username.trim() !== '',
          );
          const { recipients, reasons } = routeAlert(named, routing, fallback);
          for (const r of recipients) {
            expect(allowed).toContainEqual({ id: r.userId, username: r.username, active: true });
          }
          expect(new Set(recipients.map((r) => r.userId)).size).toBe(recipients.length);
          expect(recipients.length === 0).toBe(
            reasons.some((reason) => reason.code === 'nobody_reachable'),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('a recipient who left', () => {
  const gone = { username: 'drgone', userId: 6 };

  it('is told apart from those OpenEMR still shows things to (inactive, renamed, deleted)', () => {
    const users = new Map([
      ['drsmith', drSmith],
      ['drgone', drGone],
      ['amy', { ...nurseAmy, id: 70 }],
    ]);
    expect(
      stillReachable(
        [
          { username: 'drsmith', userId: 5 },
          gone,
          { username: 'amy', userId: 7 },
          { username: 'deleted', userId: 11 },
        ],
        users,
      ),
    ).toEqual({
      reachable: [{ username: 'drsmith', userId: 5 }],
      gone: [gone, { username: 'amy', userId: 7 }, { username: 'deleted', userId: 11 }],
    });
  });

  it("is replaced by the patient's current provider first", () => {
    expect(replaceGoneRecipient(gone, ['group:clin'], facts(), ['oncall'], new Set([6]))).toEqual({
      recipients: [{ username: 'drsmith', userId: 5 }],
      reasons: [{ code: 'recipient_gone', username: 'drgone' }],
    });
  });

  it("then by the rule's group, then by the fallback list", () => {
    const noProvider = facts({ provider: drGone });
    expect(
      replaceGoneRecipient(gone, ['group:clin'], noProvider, ['oncall'], new Set([6])).recipients,
    ).toEqual([
      { username: 'drsmith', userId: 5 },
      { username: 'amy', userId: 7 },
    ]);
    expect(
      replaceGoneRecipient(gone, ['provider'], noProvider, ['oncall'], new Set([6])).recipients,
    ).toEqual([{ username: 'oncall', userId: 9 }]);
  });

  it('sends nothing new when everyone reachable there was already told', () => {
    expect(replaceGoneRecipient(gone, ['provider'], facts(), ['oncall'], new Set([5, 6]))).toEqual({
      recipients: [],
      reasons: [{ code: 'recipient_gone', username: 'drgone' }, { code: 'already_told' }],
    });
  });

  it('says nobody is reachable when no tier has anyone', () => {
    const nobody = facts({ provider: null, groupMembers: new Map(), users: new Map() });
    expect(replaceGoneRecipient(gone, ['provider'], nobody, ['oncall'], new Set()).reasons).toEqual(
      [{ code: 'recipient_gone', username: 'drgone' }, { code: 'nobody_reachable' }],
    );
  });
});
