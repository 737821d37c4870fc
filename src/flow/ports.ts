/**
 * Which side of a flow is the server when no handshake says so (mid-stream TCP, UDP, SCTP, other
 * protocols, logs that only give packet direction). Every port gets a score once, in a 64 Ki table;
 * the side with the higher score is the server, a tie keeps the first packet's sender as the client.
 *
 * | score | ports |
 * |---|---|
 * | 4 | well-known ports (< 1024) of services in SERVICE_PORTS below |
 * | 3 | other ports < 1024 (system ports, RFC 6335 section 6); also the DHCP client ports 68 and 546 |
 * | 2 | registered service ports (1024-49151) in SERVICE_PORTS, and ports the caller names |
 * | 1 | other ports 1024-32767: not in any common ephemeral range but Windows XP's and VxWorks' 1025-5000 |
 * | 0 | 0, and 32768-65535: Linux's default ephemeral range 32768-60999 and IANA's 49152-65535 (RFC 6335 section 6) |
 *
 * Port numbers: IANA "Service Name and Transport Protocol Port Number Registry".
 */

/** Server ports that clients commonly reach, with the registry's service name. */
const SERVICE_PORTS: ReadonlyArray<readonly [number, string]> = [
  [7, 'echo'], [9, 'discard'], [13, 'daytime'], [19, 'chargen'], [20, 'ftp-data'], [21, 'ftp'],
  [22, 'ssh'], [23, 'telnet'], [25, 'smtp'], [37, 'time'], [42, 'nameserver'], [43, 'whois'],
  [49, 'tacacs'], [53, 'domain'], [67, 'bootps'], [69, 'tftp'], [79, 'finger'], [80, 'http'],
  [88, 'kerberos'], [110, 'pop3'], [111, 'sunrpc'], [113, 'ident'], [119, 'nntp'], [123, 'ntp'],
  [135, 'epmap'], [137, 'netbios-ns'], [138, 'netbios-dgm'], [139, 'netbios-ssn'], [143, 'imap'],
  [161, 'snmp'], [162, 'snmptrap'], [179, 'bgp'], [389, 'ldap'], [427, 'svrloc'], [443, 'https'],
  [445, 'microsoft-ds'], [464, 'kpasswd'], [465, 'submissions'], [500, 'isakmp'], [512, 'exec'],
  [513, 'login'], [514, 'shell/syslog'], [515, 'printer'], [520, 'router'], [543, 'klogin'],
  [544, 'kshell'], [547, 'dhcpv6-server'], [548, 'afpovertcp'], [554, 'rtsp'], [587, 'submission'],
  [593, 'http-rpc-epmap'], [623, 'asf-rmcp'], [631, 'ipp'], [636, 'ldaps'], [646, 'ldp'],
  [657, 'rmc'], [749, 'kerberos-adm'], [853, 'domain-s'], [873, 'rsync'], [989, 'ftps-data'],
  [990, 'ftps'], [993, 'imaps'], [995, 'pop3s'],
  [1080, 'socks'], [1194, 'openvpn'], [1433, 'ms-sql-s'], [1434, 'ms-sql-m'], [1521, 'oracle'],
  [1645, 'radius (old)'], [1646, 'radacct (old)'], [1701, 'l2tp'], [1723, 'pptp'], [1812, 'radius'],
  [1813, 'radius-acct'], [1883, 'mqtt'], [1900, 'ssdp'], [2049, 'nfs'], [2181, 'zookeeper'],
  [2375, 'docker'], [2376, 'docker-s'], [2379, 'etcd-client'], [2380, 'etcd-server'],
  [3260, 'iscsi-target'], [3268, 'msft-gc'], [3269, 'msft-gc-ssl'], [3306, 'mysql'],
  [3389, 'ms-wbt-server'], [3478, 'stun'], [4500, 'ipsec-nat-t'], [4789, 'vxlan'], [5060, 'sip'],
  [5061, 'sips'], [5353, 'mdns'], [5355, 'llmnr'], [5432, 'postgresql'], [5671, 'amqps'],
  [5672, 'amqp'], [5900, 'rfb'], [5985, 'wsman'], [5986, 'wsmans'], [6379, 'redis'],
  [6443, 'sun-sr-https (kubernetes API)'], [6514, 'syslog-tls'], [8080, 'http-alt'],
  [8443, 'pcsync-https'], [9092, 'kafka'], [9100, 'pdl-datastream'], [9200, 'wap-wsp (elasticsearch)'],
  [9418, 'git'], [10050, 'zabbix-agent'], [10051, 'zabbix-trapper'], [11211, 'memcache'],
  [27017, 'mongodb'],
];

/** Client-side ports below 1024 that must not outrank the server they talk to (DHCP, DHCPv6). */
const CLIENT_SYSTEM_PORTS: readonly number[] = [68, 546];

const LINUX_EPHEMERAL_LOW = 32768;

/** Builds the 64 Ki score table; `extra` adds server ports (e.g. every port the catalog documents). */
export function buildPortScores(extra: Iterable<number> = []): Uint8Array {
  const scores = new Uint8Array(65536);
  for (let p = 1; p < 1024; p++) scores[p] = 3;
  for (let p = 1024; p < LINUX_EPHEMERAL_LOW; p++) scores[p] = 1;
  for (const [port] of SERVICE_PORTS) scores[port] = port < 1024 ? 4 : 2;
  for (const port of CLIENT_SYSTEM_PORTS) scores[port] = 3;
  for (const port of extra) {
    if (Number.isInteger(port) && port > 0 && port < 65536) scores[port] = Math.max(scores[port] ?? 0, port < 1024 ? 4 : 2);
  }
  return scores;
}

export const DEFAULT_PORT_SCORES: Uint8Array = buildPortScores();
