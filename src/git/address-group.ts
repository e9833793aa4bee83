/**
 * The key under which a client address is counted against a per-address
 * limit.
 */
import ipaddr from 'ipaddr.js';

/**
 * An IPv4 address as it is (IPv4-mapped IPv6 too), an IPv6 address by its
 * /64: one host, or one customer of a provider, usually holds a whole /64,
 * so counting single IPv6 addresses would bound nothing. Anything else is
 * its own key.
 *
 * @example addressGroup('2001:db8:1:2:3:4:5:6') // '2001:db8:1:2::/64'
 */
export function addressGroup(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 4).concat([0, 0, 0, 0]);
  return `${new ipaddr.IPv6(parts).toString()}/64`;
}
