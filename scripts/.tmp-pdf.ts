import { PdfRenderer } from '../lib/report/pdf-renderer';
async function main() {
  const r = await PdfRenderer.launch({ executablePath: '/usr/bin/chromium', maxPages: 1 });
  for (const n of [5000, 20000]) {
    const rows = Array.from({ length: n }, (_, i) => `<tr><td>${i}</td><td>거래처 ${i}</td><td>${i * 1000}</td></tr>`).join('');
    const t = performance.now();
    const pdf = await r.render(`<!doctype html><html><body><table>${rows}</table></body></html>`);
    console.log(n, Math.round(performance.now() - t), 'ms', pdf.length);
  }
  const c = new AbortController();
  const rows = Array.from({ length: 20000 }, (_, i) => `<tr><td>${i}</td><td>거래처 ${i}</td><td>${i * 1000}</td></tr>`).join('');
  const p = r.render(`<!doctype html><html><body><table>${rows}</table></body></html>`, { signal: c.signal });
  setTimeout(() => c.abort(), 100);
  const t = performance.now();
  await p.then(() => console.log('resolved?!'), (e) => console.log('rejected', e?.name, Math.round(performance.now() - t - 100)));
  const t2 = performance.now();
  await r.render('<p>ok</p>'); console.log('after', Math.round(performance.now() - t2), r.stats);
  await r.close();
}
main();
