// The operations console's Prometheus metrics, on a registry of their own (the console is its own process).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type SignInVia = 'form' | 'bearer';

export class ConsoleMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'tax_console_requests_total',
    help: 'Console requests by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [this.registry],
  });
  private readonly requestSeconds = new Histogram({
    name: 'tax_console_request_duration_seconds',
    help: 'Console request duration by route pattern',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly signInFailures = new Counter({
    name: 'tax_console_sign_in_failures_total',
    help: 'Failed console sign-ins (form) and rejected bearer tokens, including rate-limited attempts',
    labelNames: ['via'],
    registers: [this.registry],
  });

  private readonly questions = new Counter({
    name: 'tax_console_questions_total',
    help: 'Questions to the knowledge graph by intent, who read them (matcher or model) and outcome (answered, refused)',
    labelNames: ['intent', 'read_by', 'outcome'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Present from start, so an increase() over the first failures is seen.
    for (const via of ['form', 'bearer'] satisfies SignInVia[]) this.signInFailures.inc({ via }, 0);
  }

  request(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    this.requestSeconds.observe({ route }, seconds);
  }

  signInFailed(via: SignInVia): void {
    this.signInFailures.inc({ via });
  }

  /** `intent` is 'none' for a refusal; `readBy` 'matcher' or a model of the configured chain (bounded either way). */
  question(intent: string, readBy: string, outcome: 'answered' | 'refused'): void {
    this.questions.inc({ intent, read_by: readBy, outcome });
  }
}
