// The web page on AWS with the JWT settings, in real Chromium: served by the real API function behind an API Gateway
// stand-in with a JWT authorizer (jwt-gateway-process.ts), signing in through an OpenID issuer stand-in
// (openid-issuer.ts) by authorization code + PKCE, on loopback, with the data in local AWS servers.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { handler as classifier } from '../../functions/classifier/handler.js';
import { S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import {
  accessibilityViolations,
  chromiumMissing,
  launchChromium,
  openPage,
  watchForProblems,
} from '../../scripts/lib/browser.js';
import { lambdaContext, sampleEvent, sqsEvent, withStoredVersions } from '../../scripts/lib/lambda-events.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { type LocalVectorIndex, startLocalVectorIndex } from '../../scripts/lib/local-vector-index.js';
import { killServes, type ServeProcess, startListening, stopServe } from '../../scripts/lib/serve-process.js';
import { buildSmallTextModel, SMALL_TEXT_CONFIG } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';
import { buildWebPage } from '../../web/build.js';
import { type OpenIdIssuer, opensslMissing, startOpenIdIssuer } from './openid-issuer.js';

const skip = chromiumMissing() ?? opensslMissing();
const CLIENT_ID = 'web-page-client';
/** The key of the sample S3 event (events/s3-put.json), decoded. */
const VIDEO_KEY = 'videos/my holiday clip.mp4';
/** Where the page keeps the token for the tab (web/src/api/credentials.ts). */
const TOKEN_KEY = 'xclip-token';
const work = mkdtempSync(join(tmpdir(), 'xclip-sign-in-'));

let aws: LocalAws;
let vectorIndex: LocalVectorIndex;
let issuer: OpenIdIssuer;
let gateway: ServeProcess;
let browser: Browser;

before(async () => {
  if (skip) return;
  aws = await startLocalAws();
  vectorIndex = await startLocalVectorIndex(SMALL_TEXT_CONFIG.projection_dim);
  issuer = await startOpenIdIssuer(CLIENT_ID);
  const [modelDir] = await Promise.all([buildSmallTextModel(), buildWebPage()]);
  Object.assign(process.env, {
    MODEL_DIR: modelDir!,
    LABEL_FEATURE_CACHE_DIR: join(work, 'label-features'),
    TIMELINE_SECONDS: '1',
  });
  await classifyOneVideo();
  gateway = await startListening([process.execPath, '--import', 'tsx', 'test/web/jwt-gateway-process.ts'], {
    env: {
      SIGN_IN_ISSUER: issuer.issuer,
      SIGN_IN_CLIENT_ID: CLIENT_ID,
      NODE_EXTRA_CA_CERTS: issuer.certificatePath,
    },
  });
  issuer.registerRedirect(`${gateway.base}/`);
  browser = await launchChromium({ acceptInsecureCerts: true });
});
after(async () => {
  await browser?.close();
  killServes();
  await issuer?.close();
  await vectorIndex?.close();
  await aws?.close();
  rmSync(work, { recursive: true, force: true });
});

/** An upload classified by the real classifier function, as the bucket's notification would have it. */
async function classifyOneVideo(): Promise<void> {
  const bucket = new S3ObjectStore(aws.clients.s3, aws.bucket);
  await bucket.put(VIDEO_KEY, readFileSync(makeTestVideo(work, 'clip.mp4')), 'video/mp4');
  const notification = JSON.stringify(sampleEvent('s3-put.json'));
  const outcome = await classifier(sqsEvent([await withStoredVersions(notification, bucket)]), lambdaContext);
  assert.deepEqual(outcome, { batchItemFailures: [] });
}

const savedToken = (page: Page) => page.evaluate(`sessionStorage.getItem(${JSON.stringify(TOKEN_KEY)})`);

/** Clicks "Sign in" and waits on the issuer's page; the link back to the page, which a person would follow. */
async function goToIssuer(page: Page): Promise<string> {
  await Promise.all([page.waitForNavigation(), page.click('.token-form button::-p-text(Sign in)')]);
  assert.ok(page.url().startsWith(`${issuer.issuer}/oauth2/authorize?`), page.url());
  return page.$eval('#continue', (link) => link.getAttribute('href') ?? '');
}

/** How many of the images `selector` finds have loaded a picture (evaluated as a string: typed for Node). */
function loadedImages(page: Page, selector: string): Promise<number> {
  return page.evaluate(
    `Promise.all([...document.querySelectorAll(${JSON.stringify(selector)})].map((image) => image.decode().then(() => image.naturalWidth > 0, () => false))).then((loaded) => loaded.filter(Boolean).length)`,
  ) as Promise<number>;
}

test('the page signs in through the issuer (code + PKCE), the gateway lets its token through, and the archive shows', {
  skip,
}, async () => {
  const page = await openPage(browser);
  const problems = watchForProblems(page, gateway.base, [issuer.issuer, aws.env.AWS_ENDPOINT_URL_S3!]);
  await page.goto(gateway.base);

  // Without a token every data call is the gateway's 401: the page offers the issuer's sign-in and shows no data.
  await page.waitForSelector('.token-form button::-p-text(Sign in)');
  assert.equal(await page.$('li.card'), null);

  const back = new URL(await goToIssuer(page));
  // Checked once the page has left for the issuer: a refused call may report after the sign-in button shows.
  assert.ok(
    problems.splice(0).every((problem) => /status of 401/.test(problem)),
    'nothing went wrong before sign-in but the refused calls',
  );
  const authorize = new URL(page.url()).searchParams;
  assert.equal(authorize.get('client_id'), CLIENT_ID);
  assert.equal(authorize.get('redirect_uri'), `${gateway.base}/`);
  assert.equal(authorize.get('code_challenge_method'), 'S256');
  assert.equal(back.searchParams.get('state'), authorize.get('state'));

  await Promise.all([page.waitForNavigation(), page.click('#continue')]);
  await page.waitForSelector(`li.card[data-status="DONE"] a[title="${VIDEO_KEY}"]`);
  assert.equal(page.url(), `${gateway.base}/`, "the issuer's answer leaves the address");
  assert.equal(await page.$('.token-form'), null);
  assert.equal(await loadedImages(page, 'li.card img.card-poster'), 1, "the poster, from the bucket's presigned link");
  assert.match(String(await savedToken(page)), /^ey[\w-]+\.[\w-]+\.[\w-]+$/, 'the ID token, kept for the tab');
  assert.deepEqual(await accessibilityViolations(page), [], 'signed in, with Sign out');

  await page.click(`li.card a[title="${VIDEO_KEY}"]`);
  await page.waitForSelector('.timeline-table');
  await page.waitForFunction("document.querySelector('video.video-player').readyState >= 1");
  assert.deepEqual(problems, []);

  // Sign-out forgets the token: the next load is refused again and offers the sign-in.
  await Promise.all([page.waitForNavigation(), page.click('button.sign-out')]);
  await page.waitForSelector('.token-form button::-p-text(Sign in)');
  assert.equal(await savedToken(page), null);
  assert.equal(await page.$('button.sign-out'), null);
  await page.close();
});

test('an answer with another state, or a code the issuer did not give, is refused on the page and keeps no token', {
  skip,
}, async () => {
  const page = await openPage(browser);
  await page.goto(gateway.base);
  await page.waitForSelector('.token-form button::-p-text(Sign in)');

  const forged = new URL(await goToIssuer(page));
  forged.searchParams.set('state', 'a-state-of-another-sign-in');
  await page.goto(forged.href);
  await page.waitForSelector('.token-form [role="alert"]');
  assert.match(
    await page.$eval('.token-form [role="alert"]', (alert) => alert.textContent ?? ''),
    /does not belong to a sign-in of this tab: sign in again/,
  );
  assert.deepEqual(await accessibilityViolations(page), [], 'the refused sign-in');
  assert.equal(await savedToken(page), null);
  assert.equal(page.url(), `${gateway.base}/`);

  const tampered = new URL(await goToIssuer(page));
  tampered.searchParams.set('code', `${tampered.searchParams.get('code')}x`);
  await page.goto(tampered.href);
  await page.waitForSelector('.token-form [role="alert"]');
  assert.match(
    await page.$eval('.token-form [role="alert"]', (alert) => alert.textContent ?? ''),
    /the issuer gave no token \(it answered 400\)/,
  );
  assert.equal(await savedToken(page), null);
  assert.equal(await page.$('li.card'), null);
  await page.close();
});

test('an expired token, or one whose claims were changed, is refused by the gateway; the page asks to sign in again, which works', {
  skip,
}, async () => {
  const page = await openPage(browser);
  await page.goto(gateway.base);
  const expired = await issuer.idToken(-60);
  const [header, claims, signature] = (await issuer.idToken()).split('.');
  const widened = { ...JSON.parse(Buffer.from(claims!, 'base64url').toString()), sub: 'someone-else' };
  const altered = [header, Buffer.from(JSON.stringify(widened)).toString('base64url'), signature].join('.');
  for (const token of [expired, altered]) {
    await page.evaluate(`sessionStorage.setItem(${JSON.stringify(TOKEN_KEY)}, ${JSON.stringify(token)})`);
    await page.reload();
    await page.waitForSelector('.token-form button::-p-text(Sign in)');
    assert.equal(await page.$('li.card'), null);
  }

  await goToIssuer(page);
  await Promise.all([page.waitForNavigation(), page.click('#continue')]);
  await page.waitForSelector(`li.card a[title="${VIDEO_KEY}"]`);
  assert.notEqual(await savedToken(page), altered);
  await page.close();
  await stopServe(gateway);
});
