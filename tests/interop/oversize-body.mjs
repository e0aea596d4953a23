// docs/security.md, oversized bodies: Node's fetch sends a body over the limit and must read the 413, not a reset.
// Usage: node oversize-body.mjs <create URL> <tries> <bytes>. Prints one line per try: the status, or the error's code.
const [url, tries, bytes] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const body = new Uint8Array(bytes).fill(0x41); // 'A': valid bytes, never valid JSON of this size
for (let i = 0; i < tries; i++) {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', deviceClaim: crypto.randomUUID() },
      body,
    });
    await response.arrayBuffer();
    console.log(response.status);
  } catch (error) {
    console.log(`error ${error.cause?.code ?? error.message}`);
  }
}
