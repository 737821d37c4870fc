/**
 * The library API (src/index.ts, the package's entry point): the pieces the README's "Library
 * use" section names are exported, and its example runs as written (on the bundled demo).
 */
import { describe, expect, it } from 'vitest';
import * as portolan from '../../src/index.js';
import { Aggregator, Classifier, ClassifyStream, buildReport, loadCatalog, lookupPort, readFlows, reportInput, reporters } from '../../src/index.js';

describe('library API', () => {
  it('exports every piece the README lists', () => {
    const names = [
      'openInput', 'readCapture', 'readLog', 'logFormats', 'findLogFormat', 'decodeFrame', 'LINKTYPE',
      'readFlows', 'FlowTable', 'createObservers',
      'loadCatalog', 'validateProductFile', 'lookupPort', 'lookupRpcProgram', 'describePortSpec', 'ftpControlPorts', 'EPHEMERAL_PROFILES',
      'loadInventory', 'Classifier', 'ClassifyStream', 'Aggregator', 'findingFor', 'severityOf',
      'buildReport', 'reporters', 'flowRenderers', 'reportInput',
      'readReport', 'compareReports', 'readHistory', 'driftRenderers',
      'PortolanError', 'InputError', 'UsageError', 'DataFileError', 'AnomalyLog',
    ];
    const exported = portolan as Record<string, unknown>;
    for (const n of names) expect(exported[n], n).toBeDefined();
  });

  it('runs the README example: catalog lookup, flows, classification, a Markdown report', async () => {
    const catalog = loadCatalog();
    const hits = lookupPort(catalog, 3001, 'tcp', { max_open_server: 25 });
    expect(hits.some((h) => h.product === 'xcat')).toBe(true);

    const classifier = new Classifier(catalog);
    const aggregator = new Aggregator();
    const stream = new ClassifyStream(classifier, (verdict) => aggregator.add(verdict));
    const pipeline = await readFlows(['fixtures/demo/demo.pcap'], {}, (flow) => stream.push(flow));
    stream.end();
    const report = buildReport({
      command: 'analyze',
      toolVersion: '0.1.0',
      inputs: pipeline.inputs.map(reportInput),
      catalog,
      inventory: null,
      params: {},
      aggregator,
      anomalies: pipeline.anomalies.summary(),
      limits: [],
    });
    expect(report.totals.flows).toBe(15);
    const md = reporters.markdown.render(report, { colour: false, width: 120 });
    expect(md).toContain('broken');
  });

  it('creates the dynamic-port observers with the catalog FTP control ports', () => {
    const obs = portolan.createObservers({ ftpPorts: portolan.ftpControlPorts(loadCatalog()) });
    expect([...obs.options.ftpPorts]).toEqual([21]);
  });
});
