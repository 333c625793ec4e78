import {
  checkResolvedAddresses,
  classifyAddress,
  classifyHost,
  type AddressClass,
} from '../../../src/webhooks/target-address';

describe('classifyAddress', () => {
  const cases: Array<[string, AddressClass]> = [
    // IPv4
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['93.184.216.34', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.15.255.255', 'public'],
    ['172.32.0.0', 'public'],
    ['192.168.1.1', 'private'],
    ['192.169.0.1', 'public'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade-nat'],
    ['100.127.255.255', 'carrier-grade-nat'],
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['198.20.0.0', 'public'],
    ['203.0.113.7', 'reserved'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['::8.8.8.8', 'reserved'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['64:ff9b:1::1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:808:808::1', 'public'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['ff05::1:3', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['3fff::1', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['2001:4860:4860::8888', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:830::200e', 'public'],
  ];

  it.each(cases)('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it('says nothing about text that is not an address', () => {
    expect(classifyAddress('example.com')).toBeUndefined();
    expect(classifyAddress('127.0.0.1.nip.io')).toBeUndefined();
    expect(classifyAddress('256.1.1.1')).toBeUndefined();
    expect(classifyAddress('1:2:3')).toBeUndefined();
  });
});

describe('classifyHost', () => {
  it('treats localhost and its subdomains as loopback, whatever the case or a final dot', () => {
    expect(classifyHost('localhost')).toBe('loopback');
    expect(classifyHost('LOCALHOST.')).toBe('loopback');
    expect(classifyHost('api.localhost')).toBe('loopback');
  });

  it('classifies literals and leaves other names to be resolved', () => {
    expect(classifyHost('[fd00::1]')).toBe('unique-local');
    expect(classifyHost('10.0.0.8')).toBe('private');
    expect(classifyHost('hooks.example.com')).toBe('name');
    expect(classifyHost('localhost.example.com')).toBe('name');
  });
});

describe('checkResolvedAddresses', () => {
  it('connects to the first address when every address is public', () => {
    const result = checkResolvedAddresses(
      'hooks.example.com',
      [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
      false,
    );
    expect(result).toEqual({ ok: true, address: { address: '93.184.216.34', family: 4 } });
  });

  it('refuses the host when any address is internal, naming it', () => {
    const result = checkResolvedAddresses(
      'rebind.example.com',
      [
        { address: '93.184.216.34', family: 4 },
        { address: '::ffff:169.254.169.254', family: 6 },
      ],
      false,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('link-local');
      expect(result.reason).toContain('::ffff:169.254.169.254');
      expect(result.reason).toContain('WEBHOOK_ALLOW_PRIVATE_TARGETS');
    }
  });

  it('allows internal addresses when private targets are allowed', () => {
    expect(checkResolvedAddresses('intranet', [{ address: '10.1.2.3', family: 4 }], true)).toEqual({
      ok: true,
      address: { address: '10.1.2.3', family: 4 },
    });
  });

  it('refuses a name without addresses', () => {
    expect(checkResolvedAddresses('nothing.example', [], true).ok).toBe(false);
  });
});
