// The Helm chart's topology as local processes: the chart rendered with a test overlay that only points at local
// servers, its setup Job run to completion, then each worker Deployment and the console started as a pod process
// (pod-process.ts) with exactly the environment, secrets, volumes and user the rendered manifest gives it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { PROJECT_ROOT } from '../../lib/config';
import { TEMPORAL_BIN } from '../paths';
import { writeSyntheticCompany } from '../synthetic-ledger';
import { previousMonthInSeoul } from '../../lib/domain/periods';
import { until } from '../until';
import { readImage } from './image';
import { NAMESPACE, scriptModels, startLocalServices, type LocalServices, type LocalServicesOptions } from './local-services';
import { startPod, type HostLayout, type PodProcess } from './pod-process';
import { containersOf, type ContainerSpec } from './pod-spec';
import { findManifest, renderChart, type Manifest } from './rendered-chart';
import { SCHEDULE_ID, WORKFLOW_TYPES } from '../../lib/temporal-contract';

export const RELEASE = 'tax-reports';
/** The Deployments the harness runs, as the chart names them. */
export const WORKLOADS = ['orchestration', 'llm', 'render', 'console'] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface TopologyOptions extends LocalServicesOptions {
  companies: number;
  /** Journal lines per company ledger. */
  linesPerCompany?: number;
  /** Values after the one pointing at the local servers (a benchmark's tunables). */
  overlays?: object[];
  /** The model's answer time. */
  llmLatencyMs?: number;
  /** Every pod's output is appended here (npm test's log file, checked for leaked secrets). */
  logFile?: string;
}

export interface Topology {
  services: LocalServices;
  manifests: Manifest[];
  layout: HostLayout;
  pods: Record<Workload, PodProcess>;
  client: Client;
  period: string;
  companyIds: string[];
  /** The host directory behind a claim's subPath, e.g. claimDir('erp'). */
  claimDir(subPath: string): string;
  /** The container of a Deployment, as rendered. */
  spec(workload: Workload): ContainerSpec;
  consoleUrl: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 180_000;
const JOB_TIMEOUT_MS = 180_000;

function only<T>(items: readonly T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected one ${what}, found ${items.length}`);
  return items[0]!;
}

async function buildWorkflowBundle(out: string): Promise<void> {
  // The image's build step (Dockerfile, stage `bundle`), so every pod runs the same prebuilt workflow code.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts', 'build-workflow-bundle.ts'), out], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`building the workflow bundle failed:\n${stderr}`);
}

/** Polls the container's startupProbe (httpGet) on its mapped port, as the kubelet does before the pod is Ready. */
async function waitReady(pod: PodProcess, manifest: Manifest): Promise<void> {
  const container = manifest.spec.template.spec.containers[0];
  const probe = container.startupProbe.httpGet as { path: string; port: string };
  const containerPort = (container.ports as Array<{ name: string; containerPort: number }>).find((p) => p.name === probe.port)!.containerPort;
  const url = `http://127.0.0.1:${pod.ports.get(containerPort)}${probe.path}`;
  let exit: number | null | undefined;
  void pod.exited.then((code) => (exit = code));
  await until(
    async () => {
      if (exit !== undefined) throw new Error(`${pod.spec.workload} exited (${exit}) before it was ready:\n${pod.output().slice(-4000)}`);
      return fetch(url).then(
        (r) => r.ok,
        () => false,
      );
    },
    `${pod.spec.workload} ready at ${probe.path}`,
    { timeoutMs: READY_TIMEOUT_MS, intervalMs: 250 },
  );
}

/** A Job's containers in order (init containers first), each to a zero exit, in one pod. */
async function runJob(layout: HostLayout, job: Manifest, specs: readonly ContainerSpec[], logFile?: string): Promise<void> {
  for (const spec of specs) {
    const pod = await startPod(layout, job.metadata.name, spec, logFile);
    const timer = setTimeout(() => void pod.stop(), JOB_TIMEOUT_MS);
    const code = await pod.exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`Job ${job.metadata.name}/${spec.container} exited ${code}:\n${pod.output().slice(-4000)}`);
  }
}

export async function startTopology(opts: TopologyOptions): Promise<Topology> {
  const services = await startLocalServices(opts);
  const root = mkdtempSync(path.join(tmpdir(), 'topology-'));
  const pods: Partial<Record<Workload, PodProcess>> = {};
  let connection: Connection | undefined;
  const stop = async () => {
    await Promise.all(Object.values(pods).map((p) => p.stop()));
    await connection?.close();
    await services.stop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const manifests = renderChart(RELEASE, NAMESPACE, [services.overlay, ...(opts.overlays ?? [])]);
    const configMap = findManifest(manifests, 'ConfigMap', RELEASE).data!;
    scriptModels(services.llm, [...configMap.LLM_INSIGHT_MODELS!.split(','), ...configMap.LLM_SUMMARY_MODELS!.split(',')], opts.llmLatencyMs);

    const image = readImage();
    const distDir = path.join(root, 'image', 'dist');
    await buildWorkflowBundle(path.join(distDir, 'workflow-bundle.js'));
    const layout: HostLayout = { root, image, imageFiles: { distDir, temporalCli: TEMPORAL_BIN } };
    const specOf = (kind: string, name: string) => containersOf(findManifest(manifests, kind, name), manifests, services.secret, image);
    const deployment = (w: Workload) => findManifest(manifests, 'Deployment', `${RELEASE}-${w}`);
    const spec = (w: Workload) => only(specOf('Deployment', `${RELEASE}-${w}`), `container in ${RELEASE}-${w}`);

    // The claim as the pods see it: ERP_DATA_DIR is a subPath of the shared volume (persistence.mountPath).
    const claim = only(
      [...new Set(manifests.filter((m) => m.kind === 'PersistentVolumeClaim').map((m) => m.metadata.name))],
      'PersistentVolumeClaim',
    );
    const claimDir = (subPath: string) => path.join(root, 'claims', claim, subPath);

    // The ERP drop: ledgers of the month the schedule's next run reports (the month before, in Asia/Seoul).
    const period = previousMonthInSeoul(new Date());
    const companyIds = Array.from({ length: opts.companies }, (_, i) => `topo-${String(i + 1).padStart(4, '0')}`);
    const erpMount = spec('orchestration').mounts.find((m) => m.path === configMap.ERP_DATA_DIR);
    if (!erpMount?.subPath) throw new Error(`the orchestration role does not mount ERP_DATA_DIR (${configMap.ERP_DATA_DIR}) from the claim`);
    const erpDir = claimDir(erpMount.subPath);
    for (const id of companyIds) await writeSyntheticCompany(erpDir, id, period, opts.linesPerCompany ?? 400);
    execFileSync('chown', ['-R', `${image.uid}:${image.gid}`, erpDir]);

    // helm's post-install hook: search attributes, then the monthly schedule.
    const setup = findManifest(manifests, 'Job', `${RELEASE}-setup`);
    await runJob(layout, setup, specOf('Job', setup.metadata.name), opts.logFile);

    for (const w of WORKLOADS) pods[w] = await startPod(layout, `${RELEASE}-${w}`, spec(w), opts.logFile);
    await Promise.all(WORKLOADS.map((w) => waitReady(pods[w]!, deployment(w))));

    // deploy.yml: the new build becomes the deployment's current version (workflows are pinned to it).
    const current = await pods.orchestration!.exec([
      'bash',
      '-c',
      'temporal worker deployment set-current-version --deployment-name "$WORKER_DEPLOYMENT_NAME" --build-id "$WORKER_BUILD_ID" -y --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE"',
    ]);
    if (current.code !== 0) throw new Error(`set-current-version failed (${current.code}):\n${current.stderr}${current.stdout}`);

    // Encryption on for the drop, as an operator does it: `kubectl exec deploy/…-orchestration -- … seal --erp`.
    const sealed = await pods.orchestration!.exec(['node', '--import', 'tsx', 'cli/encryption.ts', 'seal', '--erp']);
    if (sealed.code !== 0) throw new Error(`sealing the ledgers failed (${sealed.code}):\n${sealed.stderr}${sealed.stdout}`);

    connection = await Connection.connect({ address: services.temporal.address });
    const client = new Client({ connection, namespace: NAMESPACE });
    const consoleSpec = spec('console');
    const consolePort = pods.console!.ports.get(Number(consoleSpec.env.CONSOLE_PORT))!;
    return {
      services,
      manifests,
      layout,
      pods: pods as Record<Workload, PodProcess>,
      client,
      period,
      companyIds,
      claimDir,
      spec,
      consoleUrl: `http://127.0.0.1:${consolePort}`,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The operator's trigger: `temporal schedule trigger` with the pinned CLI; returns the batch's workflow id. */
export async function triggerSchedule(topology: Topology): Promise<string> {
  const { services, client } = topology;
  const before = new Set<string>();
  for await (const w of client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPES.batch}'` })) before.add(w.workflowId);
  const child = spawn(
    TEMPORAL_BIN,
    ['schedule', 'trigger', '--schedule-id', SCHEDULE_ID, '--address', services.temporal.address, '--namespace', NAMESPACE],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`temporal schedule trigger exited ${code}:\n${output}`);
  return until(
    async () => {
      for await (const w of client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPES.batch}'` })) {
        if (!before.has(w.workflowId)) return w.workflowId;
      }
      return undefined;
    },
    'the batch the schedule started',
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}
