import iconv from 'iconv-lite';
const W = [1,3,7,1,3,7,1,3,5];
function ok(s: string) { const d = s.replace(/-/g,'').split('').map(Number); let sum = 0; for (let i=0;i<9;i++) sum += d[i]!*W[i]!; sum += Math.floor(d[8]!*5/10); return (10 - sum%10)%10 === d[9]; }
for (const n of ['291-41-77767','848-47-51357','421-90-54683','367-58-37148','170-69-64561','706-49-52997','123-45-67890','220-81-62517']) console.log(n, ok(n));
for (const s of ['Müller,Café\n', 'a,é,b\n', 'x\xfcl\n']) { const b = Buffer.from(s, 'latin1'); console.log(JSON.stringify(iconv.decode(b, 'cp949')), b.toString('hex')); }
const d = iconv.getDecoder('cp949'); console.log(JSON.stringify(d.write(Buffer.from([0xb0]))), JSON.stringify(d.write(Buffer.from([0xa1, 0x41]))), JSON.stringify(d.end()));
console.log(JSON.stringify(iconv.decode(Buffer.from([0x80, 0x41, 0xff, 0x41, 0xc9, 0x41]), 'cp949')));
console.log(iconv.encode('가\u00e9', 'cp949'));
