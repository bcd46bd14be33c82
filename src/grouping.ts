/**
 * Items grouped by key: each group in the items' order, the groups in the
 * order of their first items. Groups grow in place, so a key most items
 * share (a cohort's one date) costs no more than any other.
 */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}
