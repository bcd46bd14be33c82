import { isIP } from 'node:net';

/** Express's names for address ranges a proxy may sit in (proxy-addr). */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * What Express's `trust proxy` is set to from TRUST_PROXY: `none` (the
 * socket's address is the client), a hop count, or proxy addresses, CIDR
 * ranges and named ranges. Null when the value is not one of those. Trusting
 * too much lets a client pick its own address (and escape per-address
 * limits); trusting too little makes every client behind a proxy share one.
 */
export function trustProxySetting(value: string): false | number | string[] | null {
  const text = value.trim();
  if (text === '' || text === 'none') return false;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops >= 1 && hops <= 10 ? hops : null;
  }
  const items = text.split(',').map((item) => item.trim());
  return items.every(isProxyAddress) ? items : null;
}

function isProxyAddress(item: string): boolean {
  if (NAMED_RANGES.has(item)) return true;
  const [address, prefix, ...rest] = item.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}
