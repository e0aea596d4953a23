// An independent sender (draft §3, §6.1, §7, §8.3) written only against the draft, with Node's WebCrypto and fetch:
// it shares no code with ScTransfer.Client.
//
//   node webcrypto-sender.mjs RELAY_BASE_URL [--aes128] < plaintext
//
// Generates a mailbox identifier, a device claim and a fresh AES-GCM key, encrypts standard input as
// IV(12) || ciphertext || tag(16), creates the mailbox and prints `${urlLink}#${base64url(key)}`.

const args = process.argv.slice(2);
const relayArg = args.find((a) => !a.startsWith('--'));
if (!relayArg) {
  console.error('usage: node webcrypto-sender.mjs RELAY_BASE_URL [--aes128] < plaintext');
  process.exit(2);
}

const aes128 = args.includes('--aes128');
const relay = new URL(relayArg.endsWith('/') ? relayArg : relayArg + '/');

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const plaintext = Buffer.concat(chunks);

const keyBytes = crypto.getRandomValues(new Uint8Array(aes128 ? 16 : 32));
const iv = crypto.getRandomValues(new Uint8Array(12));
const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'AES-GCM' }, false, ['encrypt']);
const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, tagLength: 128 }, key, plaintext));

const mailboxIdentifier = crypto.randomUUID();
const response = await fetch(new URL('v1/m', relay), {
  method: 'POST',
  headers: {
    'Content-Type': 'application/json',
    deviceClaim: crypto.randomUUID(),
    'Mailbox-Correlation-ID': crypto.randomUUID(),
  },
  body: JSON.stringify({
    mailboxIdentifier,
    displayInformation: { title: 'WebCrypto share', description: 'Sent by tests/interop/webcrypto-sender.mjs' },
    payload: { type: aes128 ? 'AES128' : 'AES256', data: Buffer.concat([iv, sealed]).toString('base64') },
    mailboxConfiguration: { accessRights: 'RD', timeToLive: '600' },
  }),
});
if (response.status !== 200) {
  console.error(`create failed: ${response.status} ${await response.text()}`);
  process.exit(1);
}

const { urlLink } = await response.json();
const secret = Buffer.from(keyBytes).toString('base64url'); // base64url without padding
console.log(`${urlLink}#${secret}`);
