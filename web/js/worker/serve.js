// serve.js: the worker side of the protocol (docs/PROTOCOL.md, made from pynn's code), for
// both workers: worker.js (the studio) and lab-worker.js (the lab). It turns the page's
// messages into calls of a Python bridge (`handle(dict) -> dict`, which never raises) and
// the answers into replies; the workers only add what is theirs (booting, slices, files).

const SITE = new URL("../../", import.meta.url);   // dist/: Python names the site's files from there

export function post(message, transfer = []) {
  self.postMessage(message, transfer);
}

// The last line of a Python traceback is the readable part.
export function readable(error) {
  const text = String(error && error.message ? error.message : error).trim();
  return text.split("\n").filter((line) => line.trim()).pop() || "unknown error";
}

// A function that sends one request to `bridge` (a PyProxy) and returns the answer as plain
// JS. Binary values go in as JsProxies of the typed array (the bridge copies each once with
// to_bytes); everything else is converted to Python values.
export function bridgeCaller(py, bridge) {
  return (request) => {
    const plain = {};
    const binary = {};
    for (const [key, value] of Object.entries(request)) {
      if (ArrayBuffer.isView(value)) binary[key] = value;
      else if (value !== undefined) plain[key] = value;
    }
    let answer;
    try {
      const pyRequest = py.toPy(plain);
      try {
        for (const [key, value] of Object.entries(binary)) pyRequest.set(key, value);
        answer = bridge.handle(pyRequest);
      } finally {
        pyRequest.destroy();
      }
    } catch (error) {   // the bridge never raises; this is the request's conversion failing
      return { ok: false, error: `the request could not be passed to Python: ${readable(error)}` };
    }
    try {
      return answer.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
    } finally {
      answer.destroy();
    }
  };
}

// Answer the page's requests ({id, type, ...args}) with `answer(request)` once `booted` has
// settled. A File or Blob argument is read into bytes here, so the page never holds a copy
// (a 110 MB CSV). Binary parts of a reply are transferred, not copied.
export function serve(answer, booted) {
  self.onmessage = async (event) => {
    const { id, ...request } = event.data;
    let reply;
    try {
      await booted;
      reply = await answer(await withBytes(request));
    } catch (error) {
      reply = { ok: false, error: readable(error) };
    }
    const transfer = Object.values(reply).filter(ArrayBuffer.isView).map((view) => view.buffer);
    post({ type: "reply", id, ...reply }, transfer);
  };
}

async function withBytes(request) {
  const read = await Promise.all(Object.entries(request).map(async ([key, value]) =>
    [key, value instanceof Blob ? new Uint8Array(await value.arrayBuffer()) : value]));
  return Object.fromEntries(read);
}

// The bytes of a file of the site (`file`: its path in dist/, as Python names it in a
// `fetch` answer).
export async function siteFile(file) {
  const response = await fetch(new URL(file, SITE));
  if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
