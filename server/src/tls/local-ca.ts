/**
 * A local certificate authority and a server certificate for the restaurant's box, so tablets and
 * phones reach it over HTTPS (service workers, persistent storage and HTTP/2 need it).
 */
import { networkInterfaces, hostname as osHostname } from 'node:os';
import forge from 'node-forge';

export interface Pem {
  cert: string;
  key: string;
}

const serial = () => `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;

/** Makes a CA valid for 10 years. Keep its key on the box only: whoever has it can impersonate any site to devices that trust it. */
export function makeCa(name = 'Comanda local CA'): Pem {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 86_400_000);
  const subject = [
    { name: 'commonName', value: `${name} (${osHostname()})` },
    { name: 'organizationName', value: 'Comanda' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** Names a device may use to reach this box: localhost, its host name (and .local) and every IPv4 address it has. */
export function localNames(): string[] {
  const host = osHostname();
  const ips = Object.values(networkInterfaces())
    .flat()
    .filter((i) => i && i.family === 'IPv4')
    .map((i) => i!.address);
  return [...new Set(['localhost', host, `${host}.local`, '127.0.0.1', ...ips])];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Issues a server certificate for `names` signed by `ca`. Valid 397 days: Apple and Chrome refuse
 * longer-lived server certificates, even from a CA the person installed.
 */
export function issueServerCert(ca: Pem, names: readonly string[]): Pem {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const caKey = forge.pki.privateKeyFromPem(ca.key);
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 397 * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: names[0] ?? 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    // Browsers read only the subject alternative names, never the common name.
    {
      name: 'subjectAltName',
      altNames: names.map((n) => (IPV4.test(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}
