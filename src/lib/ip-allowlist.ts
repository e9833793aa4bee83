/** Matching client addresses against a list of IP addresses and CIDRs. */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * A set of networks given as `a.b.c.d`, `a.b.c.d/n` or IPv6 forms. An IPv4
 * client on a dual-stack socket (`::ffff:127.0.0.1`) matches the IPv4
 * entries.
 *
 * @example
 * const monitoring = new IpAllowlist(['127.0.0.0/8', '::1']);
 * monitoring.has('::ffff:127.0.0.1'); // true
 */
export class IpAllowlist {
  readonly #networks: Array<[Address, number]>;

  /** Throws on an entry that is neither an address nor a CIDR (config validates them first). */
  constructor(entries: readonly string[]) {
    this.#networks = entries.map(parseNetwork);
  }

  /** Whether `ip` lies in one of the networks; false for anything that is not an address. */
  has(ip: string): boolean {
    const addr = parseAddress(ip);
    return addr !== null && this.#networks.some(([net, bits]) => addr.kind() === net.kind() && addr.match(net, bits));
  }

  /** Whether every address of `network` (an address or a CIDR) lies in one of the networks. */
  covers(network: string): boolean {
    const [addr, bits] = parseNetwork(network);
    return this.#networks.some(([net, netBits]) => addr.kind() === net.kind() && bits >= netBits && addr.match(net, netBits));
  }
}

/**
 * The canonical spelling of an address or CIDR (`10.0.0.0/8`, `2001:db8::/32`,
 * a lone address without a length); throws on anything else.
 */
export function normalizeNetwork(value: string): string {
  const [addr, bits] = parseNetwork(value.trim());
  const full = addr.kind() === 'ipv4' ? 32 : 128;
  return bits === full && !value.includes('/') ? addr.toString() : `${addr.toString()}/${bits}`;
}

/** Whether `value` is an IP address or a CIDR that {@link IpAllowlist} accepts. */
export function isIpOrCidr(value: string): boolean {
  try {
    parseNetwork(value);
    return true;
  } catch {
    return false;
  }
}

function parseAddress(ip: string): Address | null {
  if (!ipaddr.isValid(ip)) return null;
  const addr = ipaddr.parse(ip);
  // ::ffff:127.0.0.1 is how Node reports IPv4 clients on a dual-stack socket.
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}

function parseNetwork(value: string): [Address, number] {
  if (value.includes('/')) return ipaddr.parseCIDR(value);
  const addr = ipaddr.parse(value);
  return [addr, addr.kind() === 'ipv4' ? 32 : 128];
}
