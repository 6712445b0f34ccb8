// The console on a free loopback port over a real Temporal dev server, with one finished report (c01 2024-03)
// and an API token per role (registered as test secrets, so the redaction check looks for them).
import path from 'node:path';
import { loadConfig, type AppConfig } from '../../lib/config';
import { configuredLogger } from '../../lib/logging';
import type { Role } from '../../lib/security/roles';
import { createConsoleDeps } from '../../console/console-deps';
import type { ConsoleDeps } from '../../console/deps';
import { buildConsoleServer, type ConsoleServer } from '../../console/server';
import { startHarness, type Harness } from './temporal-harness';
import { registerTestSecret } from '../../dev/test-secrets';

export const REPORT_COMPANY = 'c01-가람';
export const REPORT_PERIOD = '2024-03';
export const OTHER_COMPANY = 'c02-누리';

export interface ConsoleStack {
  h: Harness;
  config: AppConfig;
  deps: ConsoleDeps;
  server: ConsoleServer;
  url: string;
  /** A bearer token per role; `scopedViewer` sees REPORT_COMPANY only. */
  tokens: Record<Role | 'scopedViewer', string>;
  stop(): Promise<void>;
}

/** `consoleEnv` overrides the console's settings, `workerEnv` the worker's (both run on the harness's otherwise). */
export async function startConsoleStack(consoleEnv: Record<string, string> = {}, workerEnv: Record<string, string> = {}): Promise<ConsoleStack> {
  const h = await startHarness(workerEnv);
  await h.client.workflow.execute('monthlyCompanyReport', {
    taskQueue: h.config.TASK_QUEUE,
    workflowId: `tax-report-${REPORT_COMPANY}-${REPORT_PERIOD}`,
    args: [{ companyId: REPORT_COMPANY, period: REPORT_PERIOD }],
  });
  const sessionSecret = registerTestSecret(`console-session-${Math.random().toString(36).slice(2)}-0123456789abcdef`);
  const config = loadConfig({
    TEMPORAL_ADDRESS: h.config.TEMPORAL_ADDRESS,
    TASK_QUEUE: h.config.TASK_QUEUE,
    ERP_DATA_DIR: h.config.ERP_DATA_DIR,
    REPORT_STORE_DIR: h.config.REPORT_STORE_DIR,
    LLM_USAGE_DIR: h.config.LLM_USAGE_DIR,
    API_TOKENS_FILE: path.join(h.dir, 'console', 'api-tokens.json'),
    AUDIT_LOG_FILE: path.join(h.dir, 'audit', 'audit.jsonl'),
    CONSOLE_SESSION_SECRET: sessionSecret,
    LOG_LEVEL: 'warn',
    LOG_FILE: process.env.LOG_FILE ?? '',
    ...consoleEnv,
  });
  const log = configuredLogger(config);
  // The harness's client carries the tracing plugin, as the console process's does.
  const { deps, close } = await createConsoleDeps(config, h.client, log);
  const server = await buildConsoleServer(deps);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('console did not bind a TCP port');
  const token = async (name: string, role: Role, companies?: string[]) =>
    registerTestSecret((await deps.tokens.create({ name, role, ...(companies && { companies }) })).token);
  const tokens = {
    viewer: await token('viewer-kim', 'viewer'),
    analyst: await token('analyst-lee', 'analyst'),
    admin: await token('admin-park', 'admin'),
    scopedViewer: await token('viewer-garam', 'viewer', [REPORT_COMPANY]),
  };
  return {
    h,
    config,
    deps,
    server,
    url: `http://127.0.0.1:${address.port}`,
    tokens,
    async stop() {
      await server.app.close();
      await close();
      await h.stop();
    },
  };
}
