import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Conversion, conversionSchema } from '../../../src/model';
import { parsePostback } from '../../../src/networks';
import type { ParseOptions, PostbackRequest } from '../../../src/networks';
import { openStore } from '../../../src/store';
import type { ClickRecord, TrackingStore } from '../../../src/store';
import { SHAREASALE_CONVERSION_PAYLOAD, TUNE_EVENT_LOG_QUERY, anytrackCustomExampleQuery } from '../../fixtures/seed-payloads';

export const NOW = new Date('2024-06-01T12:00:00Z');
export const now = () => NOW;
export const CLICKBANK_SECRET = 'MYSECRETKEY42';
const parseOptions: ParseOptions = { now, timezone: 'UTC', secret: CLICKBANK_SECRET };

/** A real SQLite tracking store in a temporary folder, fresh for each test. */
export function useSqliteStore(): { store(): TrackingStore; path(): string } {
	let dir: string;
	let store: TrackingStore;
	beforeEach(async () => {
		dir = mkdtempSync(join(tmpdir(), 'funnel-test-'));
		store = await openStore({ kind: 'sqlite', path: join(dir, 'tracking.sqlite') });
	});
	afterEach(async () => {
		await store.close();
		rmSync(dir, { recursive: true, force: true });
	});
	return { store: () => store, path: () => join(dir, 'tracking.sqlite') };
}

/** Parses a postback with the network's preset; the test fails when the preset refuses it. */
export function postback(network: string, request: PostbackRequest, options: ParseOptions = {}): Conversion {
	const result = parsePostback(network, request, { ...parseOptions, ...options });
	if (!result.ok) throw new Error(`${network} refused the postback: ${result.error.code} ${result.error.message}`);
	return conversionSchema.parse(result.conversion);
}

export const get = (query: Record<string, string>): PostbackRequest => ({ method: 'GET', query });

/** A postback through the Custom preset (our own parameter names, seed 002). */
export function custom(query: Record<string, string>): Conversion {
	return postback('custom', get({ currency: 'USD', ...query }));
}

/** A canonical conversion with some fields replaced, checked against the schema. */
export function withFields(conversion: Conversion, fields: Partial<Conversion>): Conversion {
	return conversionSchema.parse({ ...conversion, ...fields });
}

/** ClickBank INS: encrypts the notification with the secret the way ClickBank does. */
export function clickbank(fields: Record<string, unknown>): Conversion {
	const plaintext = JSON.stringify({
		transactionTime: '2024-05-30T13:47:51-07:00',
		receipt: 'CWOGBZLN',
		transactionType: 'SALE',
		vendor: 'testvendor',
		affiliate: 'topaffiliate',
		totalAccountAmount: 35.44,
		totalOrderAmount: 47.95,
		currency: 'USD',
		trackingCodes: ['click_cb_1'],
		vendorVariables: { tid: 'click_cb_1' },
		...fields,
	});
	const key = Buffer.from(createHash('sha1').update(CLICKBANK_SECRET).digest('hex').slice(0, 32), 'utf8');
	const iv = randomBytes(16);
	const cipher = createCipheriv('aes-256-cbc', key, iv);
	const notification = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
	return postback('clickbank', { method: 'POST', body: { notification, iv: iv.toString('base64') } });
}

/** ShareASale's documented conversion payload (AnyTrack's ShareASale article). */
export function shareasaleSeedPayload(): Record<string, string> {
	return { ...SHAREASALE_CONVERSION_PAYLOAD };
}

/** The TUNE event log of AnyTrack's custom-integration article, as GET parameters (a logged null is an empty parameter). */
export function tuneSeedQuery(): Record<string, string> {
	return { ...TUNE_EVENT_LOG_QUERY };
}

/** AnyTrack's filled-in example of a custom postback URL, as query parameters. */
export function seed002ExampleQuery(): Record<string, string> {
	return anytrackCustomExampleQuery();
}

/** A click as the Click Tracker would record it. */
export function click(fields: Partial<ClickRecord> & { clickId: string; clickedAt: string }): ClickRecord {
	return { ...fields };
}

export const hoursBefore = (iso: string, hours: number) => new Date(Date.parse(iso) - hours * 3_600_000).toISOString();
export const daysBefore = (iso: string, days: number) => hoursBefore(iso, days * 24);
