import { describe, expect, it } from 'vitest';
import { parseEprtArgument, parseEpsvReply, parseSixNumbers, replyCodeOf } from '../../src/ingest/observe/ftp.js';

describe('FTP announcement parsers', () => {
  it('finds the six numbers of a 227 reply wherever the server put them', () => {
    const want = { ip: '192.168.1.2', port: 4 * 256 + 1 };
    expect(parseSixNumbers(' Entering Passive Mode (192,168,1,2,4,1)')).toEqual(want);
    expect(parseSixNumbers(' Data transfer will passively listen to 192,168,1,2,4,1')).toEqual(want);
    expect(parseSixNumbers(' Entering passive mode. 192,168,1,2,4,1')).toEqual(want);
    expect(parseSixNumbers(' Entering Passive Mode (192,168,1,2,4,1).')).toEqual(want);
    expect(parseSixNumbers(' =192, 168, 1, 2, 4, 1')).toEqual(want);
    expect(parseSixNumbers('192,168,1,2,4,1')).toEqual(want);
  });

  it('rejects numbers out of range, port 0 and too few numbers', () => {
    expect(parseSixNumbers(' (192,168,1,256,4,1)')).toBeUndefined();
    expect(parseSixNumbers(' (192,168,1,2,0,0)')).toBeUndefined();
    expect(parseSixNumbers(' Response to PASV command')).toBeUndefined();
    expect(parseSixNumbers('114,115')).toBeUndefined();
    expect(parseSixNumbers('1192,168,1,2,4,1')).toBeUndefined();
    expect(parseSixNumbers('x'.repeat(5000))).toBeUndefined();
  });

  it('reads 229 replies with any delimiter', () => {
    expect(parseEpsvReply('229 Entering Extended Passive Mode (|||6446|)')).toEqual({ ip: undefined, port: 6446 });
    expect(parseEpsvReply('229 Extended Passive mode OK (!!!37150!)')).toEqual({ ip: undefined, port: 37150 });
    expect(parseEpsvReply('229 ok |||2000|')).toEqual({ ip: undefined, port: 2000 });
    expect(parseEpsvReply('229 Entering Extended Passive Mode (|||0|)')).toBeUndefined();
    expect(parseEpsvReply('229 Entering Extended Passive Mode (|||70000|)')).toBeUndefined();
    expect(parseEpsvReply('229 Entering Extended Passive Mode (||6446|)')).toBeUndefined();
    // Some servers fill in the protocol and address, which RFC 2428 leaves empty.
    expect(parseEpsvReply('229 Entering Extended Passive Mode (|2|2001:DB8::7|6446|)')).toEqual({ ip: '2001:db8::7', port: 6446 });
    expect(parseEpsvReply('229 Entering Extended Passive Mode (|1|10.1.0.7|6446|)')).toEqual({ ip: '10.1.0.7', port: 6446 });
    expect(parseEpsvReply('229 Entering Extended Passive Mode (|1|10.1.0.700|6446|)')).toBeUndefined();
  });

  it('reads EPRT arguments for IPv4 and IPv6', () => {
    expect(parseEprtArgument('|1|132.235.1.2|6275|')).toEqual({ ip: '132.235.1.2', port: 6275 });
    expect(parseEprtArgument('|2|1080::8:800:200C:417A|5282|')).toEqual({ ip: '1080::8:800:200c:417a', port: 5282 });
    expect(parseEprtArgument('!2!2001:470:1f11:81f:c999:d94:aa7c:2e3e!49189!')).toEqual({ ip: '2001:470:1f11:81f:c999:d94:aa7c:2e3e', port: 49189 });
    for (const bad of ['', '|3|1.2.3.4|1|', '|1|1.2.3|21|', '|2|::g|21|', '|1|1.2.3.4|0|', '|1|1.2.3.4|99999|', '|1|1.2.3.4|', ' |1|1.2.3.4|21|x']) {
      expect(parseEprtArgument(bad)).toBeUndefined();
    }
  });

  it('reads reply codes', () => {
    expect(replyCodeOf('227 Entering')).toBe(227);
    expect(replyCodeOf('227-first line')).toBe(227);
    expect(replyCodeOf('227')).toBe(227);
    expect(replyCodeOf('99 PASV invalid')).toBe(-1);
    expect(replyCodeOf('SYST not supported')).toBe(-1);
    expect(replyCodeOf('2270 x')).toBe(-1);
    expect(replyCodeOf('720 x')).toBe(-1);
  });
});
