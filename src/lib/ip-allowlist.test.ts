import { describe, expect, it } from 'vitest';
import { IpAllowlist, isIpOrCidr } from './ip-allowlist.js';

describe('IpAllowlist', () => {
  const loopback = new IpAllowlist(['127.0.0.0/8', '::1']);

  it.each(['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1'])('admits %s', (ip) => {
    expect(loopback.has(ip)).toBe(true);
  });

  it.each(['10.0.0.1', '::2', '::ffff:10.0.0.1', 'fe80::1', 'unknown', '', '127.0.0.1, 10.0.0.1'])('refuses %s', (ip) => {
    expect(loopback.has(ip)).toBe(false);
  });

  it('matches single addresses and CIDRs of either family', () => {
    const list = new IpAllowlist(['192.0.2.7', '2001:db8::/32']);
    expect(list.has('192.0.2.7')).toBe(true);
    expect(list.has('192.0.2.8')).toBe(false);
    expect(list.has('2001:db8:1::9')).toBe(true);
    expect(new IpAllowlist([]).has('127.0.0.1')).toBe(false);
  });

  it('tells addresses and CIDRs from anything else', () => {
    expect(['10.0.0.0/8', '::1', '2001:db8::/32', '192.0.2.1'].every(isIpOrCidr)).toBe(true);
    expect(['10.0.0.0/33', 'localhost', '', '10.0.0.0/'].some(isIpOrCidr)).toBe(false);
  });
});
