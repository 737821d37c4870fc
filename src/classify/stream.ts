/**
 * Classifies flows as the flow table emits them and hands each verdict on at once (so NDJSON
 * output streams), with one exception: a TFTP request (RFC 1350 §4) is answered from a new port,
 * so the request flow to port 69 looks unanswered on its own 5-tuple. An unanswered request is held
 * back until its data flow names it (then it counts as answered) or the input ends. Held requests
 * are capped; past the cap they are classified at once as they are.
 */
import type { Flow } from '../model.js';
import type { Classifier, Verdict } from './classify.js';

export const DEFAULT_MAX_DEFERRED = 10_000;

export class ClassifyStream {
  private readonly classifier: Classifier;
  private readonly sink: (v: Verdict) => void;
  private readonly maxDeferred: number;
  private readonly deferred = new Map<string, Flow>();
  /** Request flow ids already answered by a data flow (when the data flow ended first), with the data flow id. */
  private readonly answered = new Map<string, string>();

  constructor(classifier: Classifier, sink: (v: Verdict) => void, maxDeferred = DEFAULT_MAX_DEFERRED) {
    this.classifier = classifier;
    this.sink = sink;
    this.maxDeferred = maxDeferred;
  }

  push(flow: Flow): void {
    const app = flow.app;
    if (app?.kind === 'tftp-data') {
      const request = this.deferred.get(app.control);
      if (request !== undefined) {
        this.deferred.delete(app.control);
        this.sink(this.classifier.classify(request, { answeredBy: flow.id }));
      } else {
        if (this.answered.size >= this.maxDeferred) this.answered.clear();
        this.answered.set(app.control, flow.id);
      }
    } else if (app?.kind === 'tftp-request' && flow.outcome === 'unanswered') {
      const by = this.answered.get(flow.id);
      if (by !== undefined) {
        this.answered.delete(flow.id);
        this.sink(this.classifier.classify(flow, { answeredBy: by }));
        return;
      }
      if (this.deferred.size < this.maxDeferred) {
        this.deferred.set(flow.id, flow);
        return;
      }
    }
    this.sink(this.classifier.classify(flow));
  }

  /** Classifies every request still held (no data flow answered it). */
  end(): void {
    for (const flow of this.deferred.values()) this.sink(this.classifier.classify(flow));
    this.deferred.clear();
    this.answered.clear();
  }
}
