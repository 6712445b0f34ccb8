import { createHash } from 'node:crypto';
import { assertCompanyId, assertPeriod } from '../lib/domain/ids';
import { renderDataQualityReportHtml } from '../lib/report/data-quality-report';
import { renderReportHtml } from '../lib/report/customer-report';
import { readFindingsDoc } from '../lib/storage/findings-json';
import { reportKeys } from '../lib/storage/object-store';
import { activityLogger, documentMonth } from './activity-logger';
import { attemptId } from './attempt-id';
import type { ActivityDeps } from './deps';
import type { RenderInput, RenderResult } from './types';

type Template = typeof renderReportHtml;

export function createRenderActivities({ config, objects, renderer, log, audit }: ActivityDeps) {
  /**
   * findings.json → HTML → PDF in the worker's warm Chromium → object store. Re-rendering overwrites. Everything
   * the page shows is in findings.json: the render role mounts no ERP files.
   */
  async function render(input: RenderInput, template: Template, kind: 'report' | 'dataQuality'): Promise<RenderResult> {
    const companyId = assertCompanyId(input.companyId);
    const period = assertPeriod(input.period);
    const keys = reportKeys(companyId, period);
    const [findingsKey, pdfKey] = kind === 'report' ? [keys.findings, keys.pdf] : [keys.dataQualityFindings, keys.errorReport];
    const doc = await readFindingsDoc(objects, findingsKey);
    const logger = activityLogger(log, documentMonth(doc));
    const started = performance.now();
    const html = template(doc, { firmName: config.FIRM_NAME, advisor: doc.accountant ?? config.DEFAULT_ADVISOR });
    const pdf = await (await renderer()).render(html);
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    await objects.put(pdfKey, pdf, 'application/pdf');
    // A retried render is a second record with its own attempt: the log tells what happened, not what was meant.
    await audit.append({
      action: 'report.generated',
      actor: 'system',
      role: 'system',
      target: `${companyId}/${period}`,
      outcome: 'success',
      details: { key: pdfKey, bytes: pdf.length, sha256, attempt: attemptId() },
    });
    logger.info(
      { event: 'report_rendered', template: kind, bytes: pdf.length, duration_ms: Math.round(performance.now() - started) },
      'PDF rendered',
    );
    return { pdfKey, bytes: pdf.length, sha256 };
  }

  return {
    renderReport: (input: RenderInput) => render(input, renderReportHtml, 'report'),
    renderDataQualityReport: (input: RenderInput) => render(input, renderDataQualityReportHtml, 'dataQuality'),
  };
}
