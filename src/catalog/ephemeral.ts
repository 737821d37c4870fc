/**
 * Ephemeral (dynamic, client-side) port ranges per operating system and release, TCP and UDP
 * separately where they differ. Every range names its reference; the VOS ranges are rows of the
 * Stratus VOS STCP document's Table 3 and carry that row as their `source`.
 *
 * Profiles of one OS are listed newest first: without a release, the newest applies.
 * Release expressions use the grammar of release.ts; Windows releases are NT versions (6.0 =
 * Vista / Server 2008), and the usual names (`xp`, `2003`, `vista`, `2008r2`, `10`, `2019`) are
 * accepted for them.
 */
import type { EphemeralProfile, TransportProto } from './types.js';
import { releaseMatches } from './release.js';

const BOTH: TransportProto[] = ['tcp', 'udp'];
const VOS_DOC = '003_903b1c7b4df855e5.txt';
const VOS_TABLE_3 = 'Table 3 – Client port usage summary';
const PATHTRAK_DOC = '000_ccef6260646fb01f.txt';

export const EPHEMERAL_PROFILES: readonly EphemeralProfile[] = [
  {
    id: 'linux',
    os: 'linux',
    releases: '4.2+',
    proto: BOTH,
    from: 32768,
    to: 60999,
    reference:
      'Linux net.ipv4.ip_local_port_range default 32768 60999 (Documentation/networking/ip-sysctl.rst), since Linux 4.2: commit 07f4c90062f8 "tcp/dccp: try to not exhaust ip_local_port_range in connect()"',
  },
  {
    id: 'linux-before-4.2',
    os: 'linux',
    releases: 'Before 4.2',
    proto: BOTH,
    from: 32768,
    to: 61000,
    reference: `Linux net.ipv4.ip_local_port_range default 32768 61000 before commit 07f4c90062f8 (Linux 4.2); also ${PATHTRAK_DOC} (PathTrak 4.x): "Data port range 32768-61000 on HCU200s (Linux ephemeral range as defined in /proc/sys/net/ipv4/ip_local_port_range)"`,
  },
  {
    id: 'vxworks',
    os: 'vxworks',
    proto: BOTH,
    from: 1024,
    to: 5000,
    reference: `${PATHTRAK_DOC} (PathTrak 4.x): "Data port range 1024-5000 on HCU 400/1500s (VxWorks ephemeral range as defined in in.h)"`,
  },
  {
    id: 'windows',
    os: 'windows',
    releases: '6.0+',
    proto: BOTH,
    from: 49152,
    to: 65535,
    reference:
      'Microsoft KB 929851: "The default dynamic port range for TCP/IP has changed since Windows Vista and in Windows Server 2008" (start 49152, end 65535; set per transport)',
  },
  {
    id: 'windows-before-6.0',
    os: 'windows',
    releases: 'Before 6.0',
    proto: BOTH,
    from: 1025,
    to: 5000,
    reference: 'Microsoft KB 929851: earlier versions of Windows (XP, Server 2003) used a default port range of 1025 through 5000',
  },
  {
    id: 'macos',
    os: 'macos',
    proto: BOTH,
    from: 49152,
    to: 65535,
    reference: 'XNU bsd/netinet/in_pcb.c: net.inet.ip.portrange.first/last default IPPORT_HIFIRSTAUTO 49152 .. IPPORT_HILASTAUTO 65535',
  },
  {
    id: 'freebsd',
    os: 'freebsd',
    proto: BOTH,
    from: 10000,
    to: 65535,
    reference: 'FreeBSD sys/netinet/in.h: IPPORT_EPHEMERALFIRST 10000, IPPORT_EPHEMERALLAST 65535 (net.inet.ip.portrange.first/last defaults, sys/netinet/in_pcb.c)',
  },
  {
    id: 'netbsd',
    os: 'netbsd',
    proto: BOTH,
    from: 49152,
    to: 65535,
    reference: 'NetBSD sys/netinet/in.h: IPPORT_ANONMIN 49152, IPPORT_ANONMAX 65535 (net.inet.ip.anonportmin/anonportmax defaults)',
  },
  {
    id: 'openbsd',
    os: 'openbsd',
    proto: BOTH,
    from: 1024,
    to: 49151,
    reference: 'OpenBSD sys/netinet/in_pcb.c: ipport_firstauto = IPPORT_RESERVED (1024), ipport_lastauto = IPPORT_USERRESERVED (49151)',
  },
  {
    id: 'solaris',
    os: 'solaris',
    proto: BOTH,
    from: 32768,
    to: 65535,
    reference: 'Solaris ndd /dev/tcp and /dev/udp: tcp_smallest_anon_port 32768, tcp_largest_anon_port 65535 (udp_* the same)',
  },
  {
    id: 'aix',
    os: 'aix',
    proto: BOTH,
    from: 32768,
    to: 65535,
    reference: 'AIX no -a: tcp_ephemeral_low 32768, tcp_ephemeral_high 65535, udp_ephemeral_low 32768, udp_ephemeral_high 65535 (IBM RSCT documentation, "Ephemeral ports")',
  },
  {
    id: 'vos-tcp',
    os: 'vos',
    releases: '14.5.0at+ / 14.6.0aj+ / 14.7+',
    proto: ['tcp'],
    from: 49152,
    to: 65535,
    reference: `${VOS_DOC} (Stratus VOS STCP), ${VOS_TABLE_3}`,
    product: 'stratus-vos',
    source: {
      document: VOS_DOC,
      section: VOS_TABLE_3,
      text: '49152 – 65535 |  | TCP | Ephemeral Ports |  | 14.5.0at+ / 14.6.0aj+ / 14.7+ | Part of STCP/VOS',
    },
  },
  {
    id: 'vos-tcp-before-14.5.0at',
    os: 'vos',
    releases: 'Before / 14.5.0at / 14.6.0aj',
    proto: ['tcp'],
    from: 10000,
    to: 65535,
    reference: `${VOS_DOC} (Stratus VOS STCP), ${VOS_TABLE_3}`,
    product: 'stratus-vos',
    source: {
      document: VOS_DOC,
      section: VOS_TABLE_3,
      text: '10000 – 65535 |  | TCP | Ephemeral Ports |  | Before / 14.5.0at / 14.6.0aj | Part of STCP/VOS',
    },
  },
  {
    id: 'vos-udp',
    os: 'vos',
    releases: '15.1.0ar+ / 16+',
    proto: ['udp'],
    from: 49152,
    to: 65535,
    reference: `${VOS_DOC} (Stratus VOS STCP), ${VOS_TABLE_3}`,
    product: 'stratus-vos',
    source: {
      document: VOS_DOC,
      section: VOS_TABLE_3,
      text: '49152 – 65535 |  | UDP | Ephemeral Ports |  | 15.1.0ar+ / 16+ |',
    },
  },
  {
    id: 'vos-udp-before-15.1.0ar',
    os: 'vos',
    releases: 'Before 15.1.0ar',
    proto: ['udp'],
    from: 1024,
    to: 65535,
    reference: `${VOS_DOC} (Stratus VOS STCP), ${VOS_TABLE_3}`,
    product: 'stratus-vos',
    source: {
      document: VOS_DOC,
      section: VOS_TABLE_3,
      text: '1024 – 65535 |  | UDP | Ephemeral Ports |  | Before 15.1.0ar | Part of STCP/VOS',
    },
  },
  {
    id: 'iana',
    os: 'iana',
    proto: BOTH,
    from: 49152,
    to: 65535,
    reference: 'RFC 6335 section 6: Dynamic Ports 49152-65535 (the IANA range, used when the OS is not known)',
  },
];

const OS_ALIASES: Record<string, string> = {
  linux: 'linux',
  'linux-statelite': 'linux',
  'p-linux': 'linux',
  windows: 'windows',
  win: 'windows',
  win32: 'windows',
  macos: 'macos',
  darwin: 'macos',
  osx: 'macos',
  'mac-os-x': 'macos',
  freebsd: 'freebsd',
  netbsd: 'netbsd',
  openbsd: 'openbsd',
  solaris: 'solaris',
  sunos: 'solaris',
  illumos: 'solaris',
  aix: 'aix',
  vxworks: 'vxworks',
  vos: 'vos',
  openvos: 'vos',
  'stratus-vos': 'vos',
  iana: 'iana',
};

/** The OS names `normalizeOsName` knows (before any catalog adds its own). */
export function knownOsNames(): string[] {
  return [...new Set(Object.values(OS_ALIASES))];
}

/** The profile OS name for an inventory OS (`linux-statelite` → `linux`); undefined when unknown. */
export function normalizeOsName(os: string): string | undefined {
  const key = os.trim().toLowerCase().replace(/[\s_]+/g, '-');
  return OS_ALIASES[key] ?? (key.startsWith('linux') ? 'linux' : key.startsWith('windows') ? 'windows' : undefined);
}

/** Windows product names → NT version, so `windows xp` or `2008r2` select the right profile. */
const WINDOWS_RELEASES: Record<string, string> = {
  '2000': '5.0',
  xp: '5.1',
  '2003': '5.2',
  '2003r2': '5.2',
  vista: '6.0',
  '2008': '6.0',
  '7': '6.1',
  '2008r2': '6.1',
  '8': '6.2',
  '2012': '6.2',
  '8.1': '6.3',
  '2012r2': '6.3',
  '10': '10.0',
  '11': '10.0',
  '2016': '10.0',
  '2019': '10.0',
  '2022': '10.0',
  '2025': '10.0',
};

function normalizeRelease(os: string, release: string): string {
  if (os !== 'windows') return release;
  const key = release.trim().toLowerCase().replace(/^(windows|server)\s*/g, '').replace(/[\s-]+/g, '');
  return WINDOWS_RELEASES[key] ?? release;
}

/**
 * The ephemeral profile of `os` (any alias normalizeOsName knows) for `release` and `proto`:
 * the first profile of that OS whose releases match, or with no release the newest. Undefined
 * when the OS is unknown or no profile matches the release.
 */
export function selectEphemeralProfile(
  os: string,
  release: string | undefined,
  proto: TransportProto,
  profiles: readonly EphemeralProfile[] = EPHEMERAL_PROFILES,
): EphemeralProfile | undefined {
  const name = normalizeOsName(os) ?? os.trim().toLowerCase();
  const candidates = profiles.filter((p) => p.os === name && p.proto.includes(proto));
  if (release === undefined || release.trim() === '') return candidates[0];
  const rel = normalizeRelease(name, release);
  return candidates.find((p) => p.releases === undefined || releaseMatches(p.releases, rel));
}

/** The IANA profile: what `ephemeral` means when the host's OS is not known. */
export function ianaProfile(profiles: readonly EphemeralProfile[] = EPHEMERAL_PROFILES): EphemeralProfile {
  const p = profiles.find((x) => x.id === 'iana');
  if (p === undefined) throw new Error('ephemeral profiles lack the IANA profile');
  return p;
}

/** Every profile whose range holds `port` for `proto` (both transports when undefined), in table order. */
export function ephemeralProfilesContaining(
  port: number,
  proto: TransportProto | undefined,
  profiles: readonly EphemeralProfile[] = EPHEMERAL_PROFILES,
): EphemeralProfile[] {
  return profiles.filter((p) => port >= p.from && port <= p.to && (proto === undefined || p.proto.includes(proto)));
}
