import { isIPv4, isIPv6 } from 'node:net';

/**
 * Where an IP address leads, for deciding whether a webhook may be sent there. Everything but
 * `public` is refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS is set: these are the addresses through
 * which a caller could make the service reach its own host, its network or its cloud metadata.
 */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'carrier-grade-nat'
  | 'multicast'
  | 'reserved';

const DESCRIPTIONS: Record<Exclude<AddressClass, 'public'>, string> = {
  unspecified: 'an unspecified address',
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  'unique-local': 'a unique local address',
  'carrier-grade-nat': 'a carrier-grade NAT (shared) address',
  multicast: 'a multicast address',
  reserved: 'a reserved or special-purpose address',
};

/** "a loopback address", for messages. */
export function describeAddressClass(kind: Exclude<AddressClass, 'public'>): string {
  return DESCRIPTIONS[kind];
}

type Ipv4Range = readonly [
  base: string,
  prefixLength: number,
  kind: Exclude<AddressClass, 'public'>,
];

const IPV4_RANGES: readonly Ipv4Range[] = [
  ['0.0.0.0', 8, 'unspecified'], // "this network"; 0.0.0.0 reaches the host itself on Linux
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade-nat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'], // includes cloud metadata services (169.254.169.254)
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // includes the broadcast address 255.255.255.255
];

/**
 * The class of an IPv4 or IPv6 address in its textual form (an IPv6 address may carry a zone,
 * `fe80::1%eth0`, and brackets, `[::1]`), or undefined when the text is not an IP address.
 */
export function classifyAddress(text: string): AddressClass | undefined {
  const address = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(address)) return classifyIpv4(ipv4ToNumber(address));
  if (isIPv6(address)) {
    const hextets = parseIpv6(address.replace(/%.*$/, ''));
    return hextets === undefined ? undefined : classifyIpv6(hextets);
  }
  return undefined;
}

function classifyIpv4(value: number): AddressClass {
  for (const [base, prefixLength, kind] of IPV4_RANGES) {
    if (inIpv4Range(value, ipv4ToNumber(base), prefixLength)) return kind;
  }
  return 'public';
}

function inIpv4Range(value: number, base: number, prefixLength: number): boolean {
  const shift = 32 - prefixLength;
  return Math.floor(value / 2 ** shift) === Math.floor(base / 2 ** shift);
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

/** Eight 16-bit groups. */
type Hextets = readonly number[];

function classifyIpv6(h: Hextets): AddressClass {
  const at = (index: number): number => h[index] ?? 0;
  const zeroUpTo = (count: number): boolean => h.slice(0, count).every((group) => group === 0);
  const embeddedIpv4 = (from: number): number => at(from) * 65536 + at(from + 1);

  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && at(7) === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-translated (::ffff:0:a.b.c.d) reach the IPv4 address.
  if (zeroUpTo(5) && at(5) === 0xffff) return classifyIpv4(embeddedIpv4(6));
  if (zeroUpTo(4) && at(4) === 0xffff && at(5) === 0) return classifyIpv4(embeddedIpv4(6));
  // The deprecated IPv4-compatible form (::a.b.c.d) is never a valid public destination.
  if (zeroUpTo(6)) return orReserved(classifyIpv4(embeddedIpv4(6)));
  // NAT64: the well-known prefix translates to the embedded IPv4 address; the local-use one is
  // a network's own.
  if (at(0) === 0x64 && at(1) === 0xff9b && h.slice(2, 6).every((group) => group === 0)) {
    return classifyIpv4(embeddedIpv4(6));
  }
  if (at(0) === 0x64 && at(1) === 0xff9b && at(2) === 1) return 'private';
  // 6to4 carries an IPv4 address in bits 16 to 47.
  if (at(0) === 0x2002) return classifyIpv4(embeddedIpv4(1));
  if ((at(0) & 0xfe00) === 0xfc00) return 'unique-local';
  if ((at(0) & 0xffc0) === 0xfe80) return 'link-local';
  if ((at(0) & 0xffc0) === 0xfec0) return 'private'; // site-local, deprecated
  if ((at(0) & 0xff00) === 0xff00) return 'multicast';
  if (at(0) === 0x0100 && at(1) === 0 && at(2) === 0 && at(3) === 0) return 'reserved'; // discard
  if (at(0) === 0x2001 && at(1) < 0x0200) return 'reserved'; // IETF protocols, Teredo among them
  if (at(0) === 0x2001 && at(1) === 0x0db8) return 'reserved'; // documentation
  if (at(0) === 0x3fff && at(1) < 0x1000) return 'reserved'; // documentation, 3fff::/20
  // Only 2000::/3 is allocated as global unicast.
  if ((at(0) & 0xe000) !== 0x2000) return 'reserved';
  return 'public';
}

function orReserved(kind: AddressClass): AddressClass {
  return kind === 'public' ? 'reserved' : kind;
}

/** Parses a valid IPv6 address (as `net.isIPv6` accepts, without zone) into eight groups. */
function parseIpv6(address: string): Hextets | undefined {
  const halves = address.toLowerCase().split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string | undefined): number[] | undefined => {
    if (part === undefined || part === '') return [];
    const groups: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        if (!isIPv4(piece)) return undefined;
        const value = ipv4ToNumber(piece);
        groups.push(Math.floor(value / 65536), value % 65536);
      } else if (/^[0-9a-f]{1,4}$/.test(piece)) {
        groups.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/**
 * The class of a URL's host: an IP literal by its address, `localhost` (and any `*.localhost`,
 * which resolvers answer with loopback) as loopback, and any other name as `name`, to be
 * resolved and checked when the webhook is sent.
 */
export function classifyHost(hostname: string): AddressClass | 'name' {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const literal = classifyAddress(host);
  if (literal !== undefined) return literal;
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  return 'name';
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Checks every address a host name resolved to. One address that is not public refuses the
 * host: a DNS answer can mix a public address with an internal one, and which one a connection
 * gets must not decide. Returns the address to connect to.
 */
export function checkResolvedAddresses(
  hostname: string,
  addresses: readonly ResolvedAddress[],
  allowPrivateTargets: boolean,
): { ok: true; address: ResolvedAddress } | { ok: false; reason: string } {
  const first = addresses[0];
  if (first === undefined) return { ok: false, reason: `${hostname} resolved to no address` };
  if (allowPrivateTargets) return { ok: true, address: first };
  for (const candidate of addresses) {
    const kind = classifyAddress(candidate.address) ?? 'reserved';
    if (kind !== 'public') {
      return {
        ok: false,
        reason: `${hostname} resolves to ${describeAddressClass(kind)} (${candidate.address}); webhooks go to public addresses only unless WEBHOOK_ALLOW_PRIVATE_TARGETS=true`,
      };
    }
  }
  return { ok: true, address: first };
}
