import type { RecipientSpec } from '../rules/rule-definition';

/** The part of an OpenEMR `users` row that routing needs. */
export interface OpenEmrUser {
  id: number;
  username: string;
  active: boolean;
}

/**
 * What was read from OpenEMR at delivery time (providers change, staff leave).
 * Routing only ever picks users found here.
 */
export interface RoutingFacts {
  /** The user that `patient_data.providerID` points to; null when unset or not found. */
  provider: OpenEmrUser | null;
  /** Members of each ACL group the rule names, by group value (`clin`, `doc`, ...). */
  groupMembers: ReadonlyMap<string, readonly OpenEmrUser[]>;
  /** Users by username: every `user:` recipient and every fallback username that exists. */
  users: ReadonlyMap<string, OpenEmrUser>;
}

/** One OpenEMR addressee: username for `pnotes.assigned_to`, id for reminder links. */
export interface Recipient {
  username: string;
  userId: number;
}

/** Why the fallback recipients were used, or why one of them could not be. */
export type RoutingReason =
  | { code: 'provider_missing' }
  | { code: 'provider_inactive'; username: string }
  | { code: 'group_empty'; group: string }
  | { code: 'user_unknown'; username: string }
  | { code: 'user_inactive'; username: string }
  | { code: 'no_recipient_named' }
  | { code: 'fallback_unknown'; username: string }
  | { code: 'fallback_inactive'; username: string }
  | { code: 'recipient_gone'; username: string }
  | { code: 'already_told' }
  | { code: 'nobody_reachable' };

export interface RoutingDecision {
  /** Once each by user id, rule order, fallbacks last; empty only when nobody is reachable. */
  recipients: Recipient[];
  reasons: RoutingReason[];
}

/** OpenEMR shows nothing to an inactive user or one without a username. */
function isReachable(user: OpenEmrUser): boolean {
  return user.active && user.username.trim() !== '';
}

/**
 * Decides who receives a patient's alert. Every named recipient that cannot be
 * reached (no provider, inactive provider, empty group, unknown or inactive
 * user) brings in the configured fallback recipients, and the reason is kept
 * so the alert can show why. An empty result means the delivery must wait.
 */
export function routeAlert(
  named: readonly RecipientSpec[],
  facts: RoutingFacts,
  fallbackUsernames: readonly string[],
): RoutingDecision {
  const recipients = new Map<number, Recipient>();
  const reasons: RoutingReason[] = [];
  const add = (user: OpenEmrUser): void => {
    if (!recipients.has(user.id)) {
      recipients.set(user.id, { username: user.username, userId: user.id });
    }
  };

  for (const spec of named) {
    if (spec === 'provider') {
      if (facts.provider === null) {
        reasons.push({ code: 'provider_missing' });
      } else if (!isReachable(facts.provider)) {
        reasons.push({ code: 'provider_inactive', username: facts.provider.username });
      } else {
        add(facts.provider);
      }
    } else if (spec.startsWith('group:')) {
      const group = spec.slice('group:'.length);
      const members = (facts.groupMembers.get(group) ?? []).filter(isReachable);
      if (members.length === 0) {
        reasons.push({ code: 'group_empty', group });
      }
      members.forEach(add);
    } else {
      const username = spec.slice('user:'.length);
      const user = facts.users.get(username);
      if (user === undefined) {
        reasons.push({ code: 'user_unknown', username });
      } else if (!isReachable(user)) {
        reasons.push({ code: 'user_inactive', username });
      } else {
        add(user);
      }
    }
  }

  if (named.length === 0) {
    reasons.push({ code: 'no_recipient_named' });
  }
  if (reasons.length > 0) {
    for (const username of fallbackUsernames) {
      const user = facts.users.get(username);
      if (user === undefined) {
        reasons.push({ code: 'fallback_unknown', username });
      } else if (!isReachable(user)) {
        reasons.push({ code: 'fallback_inactive', username });
      } else {
        add(user);
      }
    }
  }
  if (recipients.size === 0) {
    reasons.push({ code: 'nobody_reachable' });
  }
  return { recipients: [...recipients.values()], reasons };
}

/**
 * Splits the recipients an alert was delivered to into those OpenEMR still
 * shows things to and those who left (inactive, renamed or deleted): a
 * follow-up is only ever written to the first.
 */
export function stillReachable(
  recipients: readonly Recipient[],
  users: ReadonlyMap<string, OpenEmrUser>,
): { reachable: Recipient[]; gone: Recipient[] } {
  const reachable: Recipient[] = [];
  const gone: Recipient[] = [];
  for (const recipient of recipients) {
    const user = users.get(recipient.username);
    const here = user !== undefined && user.id === recipient.userId && isReachable(user);
    (here ? reachable : gone).push(recipient);
  }
  return { reachable, gone };
}

/**
 * Who takes a notice over from a recipient who left: the patient's current
 * provider, else the rule's ACL groups, else the fallback list: the first of
 * these with someone reachable. When everyone reachable there was already told
 * of the alert, nobody new gets it (`already_told`): someone active has it,
 * and it must not arrive twice.
 */
export function replaceGoneRecipient(
  gone: Recipient,
  named: readonly RecipientSpec[],
  facts: RoutingFacts,
  fallbackUsernames: readonly string[],
  alreadyTold: ReadonlySet<number>,
): RoutingDecision {
  const reasons: RoutingReason[] = [{ code: 'recipient_gone', username: gone.username }];
  const groups = named.filter((spec) => spec.startsWith('group:')).map((spec) => spec.slice(6));
  const fallbacks = fallbackUsernames.flatMap((username) => {
    const user = facts.users.get(username);
    return user === undefined ? [] : [user];
  });
  const tiers: OpenEmrUser[][] = [
    facts.provider === null ? [] : [facts.provider],
    groups.flatMap((group) => [...(facts.groupMembers.get(group) ?? [])]),
    fallbacks,
  ];
  for (const tier of tiers) {
    const reachable = tier.filter((user) => isReachable(user) && user.id !== gone.userId);
    if (reachable.length === 0) continue;
    const fresh = new Map<number, Recipient>();
    for (const user of reachable) {
      if (!alreadyTold.has(user.id))
        fresh.set(user.id, { username: user.username, userId: user.id });
    }
    if (fresh.size === 0)
      return { recipients: [], reasons: [...reasons, { code: 'already_told' }] };
    return { recipients: [...fresh.values()], reasons };
  }
  reasons.push({ code: 'nobody_reachable' });
  return { recipients: [], reasons };
}
