import { describe, expect, it } from 'vitest';
import { EPHEMERAL_PROFILES, ephemeralProfilesContaining, normalizeOsName, selectEphemeralProfile } from '../../src/catalog/ephemeral.js';

const range = (os: string, release: string | undefined, proto: 'tcp' | 'udp'): string => {
  const p = selectEphemeralProfile(os, release, proto);
  return p === undefined ? 'none' : `${p.id} ${p.from}-${p.to}`;
};

describe('selectEphemeralProfile', () => {
  it('Linux: 32768-60999 from 4.2, 32768-61000 before (the HCU200 document)', () => {
    expect(range('linux', '5.15.0-91-generic', 'tcp')).toBe('linux 32768-60999');
    expect(range('linux', '4.2', 'udp')).toBe('linux 32768-60999');
    expect(range('linux', '3.10.0', 'tcp')).toBe('linux-before-4.2 32768-61000');
    expect(range('linux-statelite', undefined, 'tcp')).toBe('linux 32768-60999');
  });
  it('Windows: 49152-65535 from Vista / Server 2008, 1025-5000 before, by NT version or name', () => {
    expect(range('windows', '10.0', 'tcp')).toBe('windows 49152-65535');
    expect(range('windows', '2019', 'udp')).toBe('windows 49152-65535');
    expect(range('windows', 'vista', 'tcp')).toBe('windows 49152-65535');
    expect(range('windows', 'XP', 'tcp')).toBe('windows-before-6.0 1025-5000');
    expect(range('windows', '2003', 'udp')).toBe('windows-before-6.0 1025-5000');
    expect(range('Windows Server', undefined, 'tcp')).toBe('windows 49152-65535');
  });
  it('VOS: TCP 10000-65535 before 14.5.0at / 14.6.0aj, 49152-65535 from them', () => {
    expect(range('vos', '14.5.0as', 'tcp')).toBe('vos-tcp-before-14.5.0at 10000-65535');
    expect(range('vos', '14.5.0at', 'tcp')).toBe('vos-tcp 49152-65535');
    expect(range('vos', '14.6.0a', 'tcp')).toBe('vos-tcp-before-14.5.0at 10000-65535');
    expect(range('vos', '14.6.0aj', 'tcp')).toBe('vos-tcp 49152-65535');
    expect(range('openvos', '14.7', 'tcp')).toBe('vos-tcp 49152-65535');
    expect(range('vos', undefined, 'tcp')).toBe('vos-tcp 49152-65535');
  });
  it('VOS: UDP 1024-65535 before 15.1.0ar, 49152-65535 from it', () => {
    expect(range('vos', '15.0', 'udp')).toBe('vos-udp-before-15.1.0ar 1024-65535');
    expect(range('vos', '15.1.0aq', 'udp')).toBe('vos-udp-before-15.1.0ar 1024-65535');
    expect(range('vos', '15.1.0ar', 'udp')).toBe('vos-udp 49152-65535');
    expect(range('vos', '16.1', 'udp')).toBe('vos-udp 49152-65535');
  });
  it('the other systems', () => {
    expect(range('vxworks', undefined, 'tcp')).toBe('vxworks 1024-5000');
    expect(range('macOS', '14.2', 'tcp')).toBe('macos 49152-65535');
    expect(range('freebsd', '14.0', 'udp')).toBe('freebsd 10000-65535');
    expect(range('solaris', undefined, 'tcp')).toBe('solaris 32768-65535');
    expect(range('aix', '7.2', 'udp')).toBe('aix 32768-65535');
    expect(range('iana', undefined, 'udp')).toBe('iana 49152-65535');
    expect(range('plan9', undefined, 'tcp')).toBe('none');
  });
  it('normalizes OS names', () => {
    expect(normalizeOsName('Linux')).toBe('linux');
    expect(normalizeOsName('p-linux')).toBe('linux');
    expect(normalizeOsName('Stratus VOS')).toBe('vos');
    expect(normalizeOsName('plan9')).toBeUndefined();
    expect(normalizeOsName('stratus-vos')).toBe('vos');
    expect(normalizeOsName('darwin')).toBe('macos');
  });
  it('every profile names its reference; the VOS rows carry their document row', () => {
    for (const p of EPHEMERAL_PROFILES) {
      expect(p.reference.length).toBeGreaterThan(10);
      expect(p.from).toBeLessThanOrEqual(p.to);
    }
    const vos = EPHEMERAL_PROFILES.filter((p) => p.os === 'vos');
    expect(vos).toHaveLength(4);
    for (const p of vos) expect(p.source?.document).toBe('003_903b1c7b4df855e5.txt');
  });
  it('finds the profiles holding a port', () => {
    expect(ephemeralProfilesContaining(60000, 'udp').map((p) => p.id)).toEqual([
      'linux', 'linux-before-4.2', 'windows', 'macos', 'freebsd', 'netbsd', 'solaris', 'aix', 'vos-udp', 'vos-udp-before-15.1.0ar', 'iana',
    ]);
    expect(ephemeralProfilesContaining(61000, 'tcp').map((p) => p.id)).not.toContain('linux');
    expect(ephemeralProfilesContaining(61000, 'tcp').map((p) => p.id)).toContain('linux-before-4.2');
  });
});
