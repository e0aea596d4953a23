// An independent receiver (draft §3.1, §7, §8.3) written only against the draft, with Node's WebCrypto and fetch:
// it shares no code with ScTransfer.Client.
//
//   node webcrypto-receiver.mjs LINK [RELAY_BASE_URL]
//
// Removes the #secret from LINK before any request, reads the mailbox with a fresh device claim, decrypts
// IV(12) || ciphertext || tag(16) with AES-GCM, writes the plaintext bytes to stdout and deletes the mailbox.
// RELAY_BASE_URL replaces the link's own origin (when the relay's public URL is not reachable from here).
// Exit 0 on success; 1 with a reason on stderr otherwise, and nothing on stdout.

const [link, relayArg] = process.argv.slice(2);
if (!link) {
  console.error('usage: node webcrypto-receiver.mjs LINK [RELAY_BASE_URL]');
  process.exit(2);
}

const url = new URL(link);
const secret = url.hash.slice(1); // §8.3: the Secret is the fragment ...
url.hash = '';                     // ... and is removed before calling the relay
const mailboxId = url.pathname.split('/').filter(Boolean).at(-1);
const relay = new URL(relayArg ?? url.origin + '/');
const mailboxUrl = new URL(`v1/m/${mailboxId}`, relay.href.endsWith('/') ? relay : relay.href + '/');

const fromBase64Url = (text) => Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
const keyBytes = fromBase64Url(secret);
if (keyBytes.length !== 16 && keyBytes.length !== 32) {
  console.error(`secret is ${keyBytes.length} bytes, not a 128- or 256-bit key`);
  process.exit(1);
}

const claim = crypto.randomUUID();
const call = (method) => fetch(mailboxUrl, {
  method,
  headers: { deviceClaim: claim, 'Mailbox-Correlation-ID': crypto.randomUUID() },
});

const read = await call('POST');
if (read.status !== 200) {
  console.error(`read failed: ${read.status} ${await read.text()}`);
  process.exit(1);
}

const { payload } = await read.json();
const expectedType = keyBytes.length === 16 ? ['AES128', 'AEAD_AES_128_GCM'] : ['AES256', 'AEAD_AES_256_GCM'];
if (!expectedType.includes(payload.type)) {
  console.error(`payload type ${payload.type} does not match a ${keyBytes.length * 8}-bit secret`);
  process.exit(1);
}

const data = Buffer.from(payload.data, 'base64');
const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'AES-GCM' }, false, ['decrypt']);
let plaintext;
try {
  // WebCrypto takes ciphertext || tag and returns the plaintext only if the tag verifies.
  plaintext = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: data.subarray(0, 12), tagLength: 128 }, key, data.subarray(12));
} catch {
  console.error('decryption failed: wrong secret or altered payload');
  process.exit(1);
}

await new Promise((resolve, reject) => process.stdout.write(Buffer.from(plaintext), (e) => (e ? reject(e) : resolve())));

const deleted = await call('DELETE');
if (deleted.status !== 200) {
  console.error(`delete failed: ${deleted.status}`);
  process.exit(1);
}
