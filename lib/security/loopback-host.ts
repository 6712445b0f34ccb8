/**
 * Whether a host is this machine (`localhost`, 127.0.0.0/8, `::1`, with or without URL brackets): a connection to
 * it never crosses a network, so it is the one place a development setup may relax TLS.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
