import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLIP_BPE_DIR } from '../../layers/xclip/clip-bpe.js';
import { fetchModel, HubError, HubUnreachableError, MODEL_FILES } from '../../layers/xclip/hub.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const TOKEN = 'hf_test_token';

const modelFiles: Record<string, Buffer> = {
  'config.json': readFileSync('test/fixtures/xclip-tiny/config.json'),
  'preprocessor_config.json': Buffer.from(
    JSON.stringify({
      crop_size: 32,
      do_center_crop: true,
      image_mean: [0.485, 0.456, 0.406],
      image_std: [0.229, 0.224, 0.225],
      size: 32,
    }),
  ),
  'vocab.json': readFileSync(join(CLIP_BPE_DIR, 'vocab.json')),
  'merges.txt': readFileSync(join(CLIP_BPE_DIR, 'merges.txt')),
  'model.safetensors': readFileSync('test/fixtures/xclip-tiny/model.safetensors'),
};
const modelBytes = modelFiles['model.safetensors']!;
const withoutWeights = Object.fromEntries(Object.entries(modelFiles).filter(([name]) => name !== 'model.safetensors'));

interface Repo {
  files: Record<string, Buffer>;
  token?: string;
  /** Announce a wrong sha256 for the LFS files. */
  wrongDigest?: boolean;
}

const repos: Record<string, Repo> = {
  'tiny/xclip': { files: modelFiles },
  'private/xclip': { files: modelFiles, token: TOKEN },
  'tiny/corrupt': { files: modelFiles, wrongDigest: true },
  'legacy/xclip': { files: { ...withoutWeights, 'pytorch_model.bin': Buffer.from('pickle') } },
};

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const gitBlobId = (bytes: Buffer): string =>
  createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
const blobs = new Map(
  Object.values(repos)
    .flatMap((repo) => Object.values(repo.files))
    .map((bytes) => [sha256(bytes), bytes]),
);
const isLfs = (file: string): boolean => /\.(safetensors|bin)$/.test(file);

/** What the fake hub saw and how it misbehaves next. */
const hub = {
  cdnBytes: 0,
  resolvedPaths: [] as string[],
  /** The next CDN response sends this many bytes, then drops the connection or goes silent. */
  breakNextCdn: undefined as { after: number; how: 'drop' | 'stall' } | undefined,
};

/** The hub's resolve endpoint (302 to /cdn/ for LFS files, with X-Linked-* headers) and a CDN with Range support. */
function serveHub(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url!, 'http://hub');
  const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
  if (cdn) {
    const bytes = blobs.get(cdn[1]!)!;
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = bytes.subarray(start);
    response.writeHead(range ? 206 : 200, {
      'content-length': body.length,
      ...(range ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
    });
    const broken = hub.breakNextCdn;
    hub.breakNextCdn = undefined;
    if (broken) {
      hub.cdnBytes += broken.after;
      response.write(body.subarray(0, broken.after), () => {
        if (broken.how === 'drop') setTimeout(() => response.destroy(), 50);
      });
      return;
    }
    hub.cdnBytes += body.length;
    response.end(body);
    return;
  }
  const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  const repo = resolve && repos[resolve[1]!];
  const errorCode = (status: number, code?: string): void => {
    response.writeHead(status, code ? { 'x-error-code': code } : {}).end();
  };
  if (!resolve) {
    errorCode(404);
    return;
  }
  hub.resolvedPaths.push(`${request.method} ${url.pathname}`);
  if (!repo) {
    errorCode(404, 'RepoNotFound');
    return;
  }
  if (repo.token) {
    const authorization = request.headers.authorization;
    if (authorization === undefined) {
      errorCode(401, 'RepoNotFound');
      return;
    }
    if (authorization !== `Bearer ${repo.token}`) {
      errorCode(401);
      return;
    }
  }
  const file = decodeURIComponent(resolve[3]!);
  const bytes = repo.files[file];
  if (!bytes) {
    errorCode(404, 'EntryNotFound');
    return;
  }
  if (isLfs(file)) {
    response
      .writeHead(302, {
        location: `/cdn/${sha256(bytes)}`,
        'x-linked-size': bytes.length,
        'x-linked-etag': `"${repo.wrongDigest ? sha256(Buffer.from('other')) : sha256(bytes)}"`,
        'x-repo-commit': COMMIT,
      })
      .end();
    return;
  }
  response.writeHead(200, { 'content-length': bytes.length, etag: `"${gitBlobId(bytes)}"`, 'x-repo-commit': COMMIT });
  response.end(request.method === 'HEAD' ? undefined : bytes);
}

const server = createServer(serveHub);
let endpoint = '';
const dir = mkdtempSync(join(tmpdir(), 'hub-'));

/** A port where nothing listens. */
async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise((done) => probe.close(done));
  return port;
}

/** Runs bin/xclip.js in a child process (asynchronously: the fake hub lives in this one). */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, ['bin/xclip.js', ...args], { env: process.env }, () => {});
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (error: Error) => error,
  );
}

before(async () => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.HF_ENDPOINT = endpoint;
  process.env.HF_HOME = join(dir, 'hf-home'); // no saved token from the machine
  delete process.env.HF_TOKEN;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

test('downloads every file byte-identical, from the commit the revision pointed at', async () => {
  hub.cdnBytes = 0;
  hub.resolvedPaths = [];
  const out = join(dir, 'full');
  const model = await fetchModel({ repo: 'tiny/xclip', out });
  assert.equal(model.dir, out);
  assert.equal(model.commit, COMMIT);
  assert.deepEqual(
    model.files.map((file) => [file.name, file.status]),
    MODEL_FILES.map((name) => [name, 'downloaded']),
  );
  for (const name of MODEL_FILES) assert.ok(readFileSync(join(out, name)).equals(modelFiles[name]!), name);
  assert.deepEqual(readdirSync(out).sort(), [...MODEL_FILES].sort());
  assert.equal(hub.cdnBytes, modelBytes.length);
  assert.equal(hub.resolvedPaths[0], 'HEAD /tiny/xclip/resolve/main/config.json');
  assert.ok(
    hub.resolvedPaths.slice(1).every((path) => path.includes(`/resolve/${COMMIT}/`)),
    hub.resolvedPaths.join(' '),
  );

  hub.cdnBytes = 0;
  const again = await fetchModel({ repo: 'tiny/xclip', out });
  assert.ok(again.files.every((file) => file.status === 'present'));
  assert.equal(hub.cdnBytes, 0);
});

test('resumes a partial FILE.part with a Range request', async () => {
  const out = join(dir, 'resume');
  mkdirSync(out);
  const kept = 100_000;
  writeFileSync(join(out, 'model.safetensors.part'), modelBytes.subarray(0, kept));
  hub.cdnBytes = 0;
  const model = await fetchModel({ repo: 'tiny/xclip', out });
  assert.equal(model.files.find((file) => file.name === 'model.safetensors')!.status, 'resumed');
  assert.equal(hub.cdnBytes, modelBytes.length - kept);
  assert.ok(readFileSync(join(out, 'model.safetensors')).equals(modelBytes));
  assert.ok(!existsSync(join(out, 'model.safetensors.part')));
});

test('a connection lost mid-download keeps the part, and the next run resumes it', async () => {
  const out = join(dir, 'interrupted');
  hub.breakNextCdn = { after: 150_000, how: 'drop' };
  const error = await rejection(fetchModel({ repo: 'tiny/xclip', out }));
  assert.ok(error instanceof HubError && error.code === 'HUB_INTERRUPTED', String(error));
  assert.match(error.message, /\(.+; run again to resume\)$/);
  const partBytes = statSync(join(out, 'model.safetensors.part')).size;
  assert.ok(partBytes > 0 && partBytes <= 150_000, `part has ${partBytes} bytes`);
  assert.ok(!existsSync(join(out, 'model.safetensors')));

  hub.cdnBytes = 0;
  await fetchModel({ repo: 'tiny/xclip', out });
  assert.equal(hub.cdnBytes, modelBytes.length - partBytes);
  assert.ok(readFileSync(join(out, 'model.safetensors')).equals(modelBytes));
});

test('a download that stalls mid-file times out and keeps the part', async () => {
  const out = join(dir, 'stalled');
  hub.breakNextCdn = { after: 120_000, how: 'stall' };
  const started = performance.now();
  const error = await rejection(fetchModel({ repo: 'tiny/xclip', out, timeoutMs: 300 }));
  assert.ok(performance.now() - started < 3000);
  assert.ok(error instanceof HubError && error.code === 'HUB_INTERRUPTED', String(error));
  assert.match(error.message, /\(no data for 0\.3 s; run again to resume\)$/);
  assert.ok(statSync(join(out, 'model.safetensors.part')).size > 0);
});

test('a sha256 mismatch fails and leaves neither the file nor the part', async () => {
  const out = join(dir, 'corrupt');
  const error = await rejection(fetchModel({ repo: 'tiny/corrupt', out }));
  assert.ok(error instanceof HubError && error.code === 'HUB_INTEGRITY', String(error));
  assert.match(
    error.message,
    /model\.safetensors .*does not match the hub \(sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/,
  );
  assert.ok(!existsSync(join(out, 'model.safetensors')));
  assert.ok(!existsSync(join(out, 'model.safetensors.part')));
});

test('a part that does not match the hub is detected and deleted', async () => {
  const out = join(dir, 'bad-part');
  mkdirSync(out);
  writeFileSync(join(out, 'model.safetensors.part'), Buffer.alloc(100_000, 7));
  const error = await rejection(fetchModel({ repo: 'tiny/xclip', out }));
  assert.ok(error instanceof HubError && error.code === 'HUB_INTEGRITY', String(error));
  assert.ok(!existsSync(join(out, 'model.safetensors.part')));
  await fetchModel({ repo: 'tiny/xclip', out });
  assert.ok(readFileSync(join(out, 'model.safetensors')).equals(modelBytes));
});

test('an unknown repository is a clear not-found error', async () => {
  const error = await rejection(fetchModel({ repo: 'nobody/missing', out: join(dir, 'missing') }));
  assert.ok(error instanceof HubError && error.code === 'HUB_NOT_FOUND', String(error));
  assert.match(error.message, /repository nobody\/missing not found/);
  assert.ok(!existsSync(join(dir, 'missing')));
});

test('a private repository without a token asks for HF_TOKEN; with it, it downloads', async () => {
  const error = await rejection(fetchModel({ repo: 'private/xclip', out: join(dir, 'private') }));
  assert.ok(error instanceof HubError && error.code === 'HUB_NOT_FOUND', String(error));
  assert.match(error.message, /private or gated: set HF_TOKEN/);

  const rejected = await rejection(fetchModel({ repo: 'private/xclip', out: join(dir, 'private'), token: 'hf_wrong' }));
  assert.ok(rejected instanceof HubError && rejected.code === 'HUB_AUTH', String(rejected));
  assert.match(rejected.message, /rejected HF_TOKEN/);

  process.env.HF_TOKEN = TOKEN;
  try {
    const model = await fetchModel({ repo: 'private/xclip', out: join(dir, 'private') });
    assert.ok(readFileSync(join(model.dir, 'model.safetensors')).equals(modelBytes));
  } finally {
    delete process.env.HF_TOKEN;
  }
});

test('a revision with only pytorch_model.bin asks for a safetensors revision', async () => {
  const error = await rejection(fetchModel({ repo: 'legacy/xclip', out: join(dir, 'legacy') }));
  assert.ok(error instanceof HubError && error.code === 'HUB_NO_SAFETENSORS', String(error));
  assert.match(error.message, /only pytorch_model\.bin.*--revision/);
});

test('offline: a refused connection fails fast with the hub address', async () => {
  const offline = `http://127.0.0.1:${await closedPort()}`;
  const started = performance.now();
  const error = await rejection(fetchModel({ repo: 'tiny/xclip', out: join(dir, 'offline'), endpoint: offline }));
  assert.ok(performance.now() - started < 3000);
  assert.ok(error instanceof HubUnreachableError, String(error));
  assert.equal(error.message, `cannot reach the Hugging Face hub at ${offline} (connection refused)`);
});

test('a hub that accepts connections but never answers times out', async () => {
  const silent: Server = createTcpServer(() => {});
  await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
  try {
    const silentEndpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const started = performance.now();
    const error = await rejection(
      fetchModel({ repo: 'tiny/xclip', out: join(dir, 'silent'), endpoint: silentEndpoint, timeoutMs: 300 }),
    );
    assert.ok(performance.now() - started < 3000);
    assert.ok(error instanceof HubUnreachableError, String(error));
    assert.match(error.message, /\(no answer within 0\.3 s\)$/);
  } finally {
    silent.close();
  }
});

test('xclip model fetch prints the directory; errors are one line', async () => {
  const out = join(dir, 'cli');
  const fetched = await runCli(['model', 'fetch', 'tiny/xclip', '--out', out]);
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.equal(fetched.stdout, `${out}\n`);
  assert.match(fetched.stderr, /^model\.safetensors: 0\.2 MB downloaded$/m);
  assert.ok(readFileSync(join(out, 'model.safetensors')).equals(modelBytes));

  const failed = await runCli([
    'model',
    'fetch',
    'nobody/missing',
    '--revision',
    'refs/pr/1',
    '--out',
    join(dir, 'cli-missing'),
  ]);
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout, '');
  assert.equal(
    failed.stderr,
    `xclip: cannot fetch config.json from nobody/missing@refs/pr/1 (repository nobody/missing not found on ${endpoint})\n`,
  );
  assert.ok(hub.resolvedPaths.includes('HEAD /nobody/missing/resolve/refs%2Fpr%2F1/config.json'));
});
