/**
 * Address lists (allowlists, trusted networks): IPs and CIDRs, IPv4 and
 * IPv6, with IPv4-mapped IPv6 addresses matched as the IPv4 they carry.
 */
import ipaddr from 'ipaddr.js';

/** An address or network and its prefix length. */
export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses `a.b.c.d`, `a.b.c.d/n` or IPv6 forms; throws on anything else. */
export function parseCidr(value: string): Cidr {
  if (value.includes('/')) return ipaddr.parseCIDR(value);
  const addr = ipaddr.parse(value);
  return [addr, addr.kind() === 'ipv4' ? 32 : 128];
}

/** True when `value` is an IP address or a CIDR. */
export function isIpOrCidr(value: string): boolean {
  try {
    parseCidr(value);
    return true;
  } catch {
    return false;
  }
}

/** True when `ip` is inside one of `networks`; unparsable addresses are inside none. */
export function addressIn(ip: string, networks: readonly Cidr[]): boolean {
  if (!ipaddr.isValid(ip)) return false;
  let addr = ipaddr.parse(ip);
  // ::ffff:127.0.0.1 is how Node reports IPv4 clients on a dual-stack socket.
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  return networks.some(([net, bits]) => addr.kind() === net.kind() && addr.match(net, bits));
}
