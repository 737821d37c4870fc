import { describe, expect, it } from 'vitest';
import { compareReleases, parseRelease, parseReleaseExpr, releaseMatches, ReleaseExprError } from '../../src/catalog/release.js';

describe('compareReleases', () => {
  it('orders numbers part by part, a missing part counting as 0', () => {
    expect(compareReleases('14.7', '14.7.0')).toBe(0);
    expect(compareReleases('14.7', '14.7.2')).toBeLessThan(0);
    expect(compareReleases('15.0', '14.7.2')).toBeGreaterThan(0);
    expect(compareReleases('15.10', '15.9')).toBeGreaterThan(0);
    expect(compareReleases('16', '15.2.0')).toBeGreaterThan(0);
  });
  it('orders VOS build letters after the numbers: none, then shorter, then alphabetical', () => {
    expect(compareReleases('14.5.0', '14.5.0a')).toBeLessThan(0);
    expect(compareReleases('14.5.0z', '14.5.0at')).toBeLessThan(0);
    expect(compareReleases('14.5.0at', '14.5.0ba')).toBeLessThan(0);
    expect(compareReleases('14.5.0as', '14.5.0at')).toBeLessThan(0);
    expect(compareReleases('14.5.0at', '14.5.0AT')).toBe(0);
    expect(compareReleases('14.5.0at', '14.6.0a')).toBeLessThan(0);
    expect(compareReleases('15.1.0ar', '15.1.0aq')).toBeGreaterThan(0);
  });
  it('sorts a mixed list', () => {
    const list = ['15.1.0ar', '14.5.0at', '14.6.0aj', '14.5.0b', '14.5.0', '15.0', '14.7', '16.1'];
    expect([...list].sort(compareReleases)).toEqual(['14.5.0', '14.5.0b', '14.5.0at', '14.6.0aj', '14.7', '15.0', '15.1.0ar', '16.1']);
  });
  it('reads Linux kernel strings and rejects what is not a release', () => {
    expect(parseRelease('5.15.0-91-generic')).toEqual({ nums: [5, 15, 0], build: '', text: '5.15.0-91-generic' });
    expect(parseRelease('banana')).toBeUndefined();
    expect(() => compareReleases('x', '1')).toThrow(RangeError);
  });
});

describe('releaseMatches on the VOS document expressions', () => {
  const cases: Array<[string, Record<string, boolean>]> = [
    ['All', { '13.0': true, '17.2.0bj': true }],
    ['15.1+', { '15.0.3': false, '15.1': true, '15.1.0a': true, '16.1': true }],
    ['14.7 and 15.1+ / Not in 15.0', { '14.6.0aj': false, '14.7': true, '14.7.2ba': true, '15.0': false, '15.0.2': false, '15.1.0ar': true, '17.0': true }],
    ['14.3 - 14.7 and 15.2+ / not in 15.0 or 15.1', { '14.2': false, '14.3': true, '14.5.0at': true, '14.7.1': true, '15.0': false, '15.1.2': false, '15.2': true, '16': true }],
    ['All until 15.0 / back in 15.1.1+', { '14.7': true, '15.0': false, '15.0.4': false, '15.1.0': false, '15.1.0ar': false, '15.1.1': true, '16.1': true }],
    ['All until 15.x', { '14.7.2': true, '15.0': false, '15.2': false, '16': false }],
    ['15.0+3', { '14.7': false, '15.0': true, '16.1': true }],
    ['14.4+ / 15.0+', { '14.3': false, '14.4': true, '14.7': true, '15.0': true, '16': true }],
    ['Before / 14.5.0at / 14.6.0aj', { '14.4': true, '14.5.0as': true, '14.5.0at': false, '14.5.1': false, '14.6.0a': true, '14.6.0ai': true, '14.6.0aj': false, '14.7': false, '15.0': false }],
    ['14.5.0at+ / 14.6.0aj+ / 14.7+', { '14.4': false, '14.5.0as': false, '14.5.0at': true, '14.5.1': true, '14.6.0a': false, '14.6.0aj': true, '14.7': true, '16': true }],
    ['Before 15.1.0ar', { '14.7': true, '15.1.0aq': true, '15.1.0ar': false, '15.2': false }],
    ['15.1.0ar+ / 16+', { '15.1.0aq': false, '15.1.0ar': true, '15.2': true, '16': true, '17.1': true }],
    ['Before 4.2', { '3.16': true, '4.1.52': true, '4.2': false, '5.15.0-91-generic': false }],
  ];
  for (const [expr, expectations] of cases) {
    it(expr, () => {
      for (const [release, want] of Object.entries(expectations)) {
        expect([release, releaseMatches(expr, release)]).toEqual([release, want]);
      }
    });
  }
  it('the two VOS TCP ephemeral rows split every release between them', () => {
    for (const r of ['14.4', '14.5.0a', '14.5.0at', '14.5.0zz', '14.6.0ai', '14.6.0aj', '14.7', '15.0', '16.1']) {
      expect(releaseMatches('Before / 14.5.0at / 14.6.0aj', r)).toBe(!releaseMatches('14.5.0at+ / 14.6.0aj+ / 14.7+', r));
    }
  });
  it('records the footnote reading of 15.0+3', () => {
    expect(parseReleaseExpr('15.0+3').notes).toEqual(['"15.0+3" read as "15.0+" followed by footnote marker 3, whose note is not in the document']);
  });
  it('rejects expressions it cannot read, naming the part', () => {
    expect(() => parseReleaseExpr('sometime soon')).toThrow(new ReleaseExprError('sometime soon', 'cannot read "sometime soon"'));
    expect(() => parseReleaseExpr('')).toThrow('release expression "": is empty');
    expect(releaseMatches('15.1+', 'not-a-release')).toBe(false);
  });
});
