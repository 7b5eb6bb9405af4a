/**
 * `npm run cert [-- extra-name ...]`: makes (once) a local CA in ./certs/ca.crt and a certificate for
 * this box in ./certs/server.{crt,key}, then prints how to start with HTTPS and how to trust the CA.
 * Run again after the box changes address: the CA is kept, only the server certificate is renewed.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { issueServerCert, localNames, makeCa } from '../server/src/tls/local-ca.ts';

const dir = resolve(process.env.CERT_DIR ?? 'certs');
mkdirSync(dir, { recursive: true });
const caCrt = join(dir, 'ca.crt');
const caKey = join(dir, 'ca.key');
let ca;
if (existsSync(caCrt) && existsSync(caKey)) {
  ca = { cert: readFileSync(caCrt, 'utf8'), key: readFileSync(caKey, 'utf8') };
  console.log(`Using the existing CA in ${caCrt}`);
} else {
  ca = makeCa();
  writeFileSync(caCrt, ca.cert);
  writeFileSync(caKey, ca.key, { mode: 0o600 });
  console.log(`Made a new CA: ${caCrt}`);
}
const names = [...new Set([...localNames(), ...process.argv.slice(2).filter((a) => !a.startsWith('-'))])];
const server = issueServerCert(ca, names);
writeFileSync(join(dir, 'server.crt'), server.cert + ca.cert);
writeFileSync(join(dir, 'server.key'), server.key, { mode: 0o600 });
chmodSync(caKey, 0o600);
console.log(`Certificate for: ${names.join(', ')}
Start with HTTPS and HTTP/2:
  TLS_CERT=${join(dir, 'server.crt')} TLS_KEY=${join(dir, 'server.key')} npm start
Then install ${caCrt} on every tablet and phone (README: "HTTPS on the restaurant's network").
Never copy ca.key off this box.`);
