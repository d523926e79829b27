import { eventIdFor } from '../../../src/destinations';
import { DESTINATIONS } from '../../../src/destinations';
import type { PlatformRequest, PlatformResponse } from '../../../src/destinations';
import { type TikTokBody, blamedPositions, planTikTokRequests, readTikTokResponse, tiktok } from '../../../src/destinations/tiktok';
import { normalizeAndHash } from '../../../src/destinations/user-data';
import { NOW, PIXEL, TOKEN, click, conversion, conversions, sha256, tiktokConfig } from './tiktok-helpers';

const HEX64 = /^[a-f0-9]{64}$/;
const bodyOf = (request: PlatformRequest) => request.body as unknown as TikTokBody;

describe('TikTok destination: building requests', () => {
	it('is registered as the tiktok destination, 1000 events per request', () => {
		// The registry holds TikTok's platform definition, built on this engine.
		expect(DESTINATIONS.tiktok).toMatchObject(tiktok);
		expect(tiktok.platform).toBe('tiktok');
		expect(tiktok.maxBatch).toBe(1000);
	});

	it('builds one Events API 2.0 request for a funnel conversion, token in the Access-Token header only', () => {
		const plan = tiktok.planRequests([conversion()], tiktokConfig(), NOW);
		expect(plan.skipped).toEqual([]);
		expect(plan.requests).toHaveLength(1);
		const [request] = plan.requests;
		expect(request.method).toBe('POST');
		expect(request.url).toBe('https://business-api.tiktok.com/open_api/v1.3/event/track/');
		expect(request.headers['Access-Token']).toBe(TOKEN);
		expect(request.headers).not.toHaveProperty('Authorization');
		expect(request.url).not.toContain(TOKEN);
		expect(request.itemIndexes).toEqual([0]);

		const body = bodyOf(request);
		expect(body.event_source).toBe('web');
		expect(body.event_source_id).toBe(PIXEL);
		expect(body).not.toHaveProperty('test_event_code');
		expect(body.data).toHaveLength(1);
	});

	it('fills every field: name, seconds, deterministic event id, hashed user data, raw click ids, properties, page', () => {
		const input = conversion();
		const [event] = bodyOf(tiktok.planRequests([input], tiktokConfig(), NOW).requests[0]).data;
		expect(event.event).toBe('CompletePayment');
		expect(event.event_time).toBe(Date.parse('2024-05-31T00:57:45Z') / 1000);
		expect(String(event.event_time)).toMatch(/^\d{10}$/);
		expect(event.event_id).toBe(eventIdFor(input));
		// TikTok: email trimmed and lowercased; phone E.164 WITH the '+'.
		expect(event.user.email).toBe(sha256('john_smith@gmail.com'));
		expect(event.user.email).toBe('62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f');
		expect(event.user.phone).toBe(sha256('+16505551212'));
		expect(event.user.external_id).toMatch(HEX64);
		expect(event.user.external_id).toBe(normalizeAndHash('tiktok', 'external_id', 'customer-42'));
		// Never hashed: click id, cookie, IP, user agent.
		expect(event.user).toMatchObject({
			ttclid: 'E.C.P.CqgBmYc7Xk2Lr9',
			ttp: '2bY8hV1wQz7pLk3-TTP',
			ip: '203.0.113.7',
			user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
		});
		expect(event.properties).toEqual({ value: 39.5, currency: 'USD', order_id: '2617207', content_name: 'WP Engine' });
		expect(typeof event.properties?.value).toBe('number');
		expect(event.page).toEqual({ url: 'https://deals.example.com/wpengine?ttclid=E.C.P.CqgBmYc7Xk2Lr9' });
	});

	it('the event id is stable: the same conversion planned twice carries the same id', () => {
		const first = bodyOf(tiktok.planRequests([conversion()], tiktokConfig(), NOW).requests[0]).data[0].event_id;
		const again = bodyOf(tiktok.planRequests([conversion()], tiktokConfig(), new Date('2024-06-02T00:00:00Z')).requests[0]).data[0].event_id;
		expect(again).toBe(first);
		const other = bodyOf(tiktok.planRequests([conversion({ transactionId: 'other' })], tiktokConfig(), NOW).requests[0]).data[0].event_id;
		expect(other).not.toBe(first);
	});

	it('takes the value from the sale amount when configured, as a JSON number made from the exact decimal', () => {
		const [event] = bodyOf(tiktok.planRequests([conversion({ amount: '1234.56' })], tiktokConfig({ valueFrom: 'amount' }), NOW).requests[0]).data;
		expect(event.properties?.value).toBe(1234.56);
		expect(JSON.stringify(event.properties)).toContain('"value":1234.56');
	});

	it('refuses an unknown Value From or event source', () => {
		expect(() => tiktok.planRequests([conversion()], tiktokConfig({ valueFrom: 'payout' as never }), NOW)).toThrow(/Value From/);
		expect(() => tiktok.planRequests([conversion()], tiktokConfig({ eventSource: 'email' as never }), NOW)).toThrow(/Event Source/);
	});

	it('omits what is not there: no undefined or empty members, no value when the chosen amount is null', () => {
		const bare = conversion({ user: {}, click: undefined, orderId: null, brandName: null, commission: null });
		const request = tiktok.planRequests([bare], tiktokConfig(), NOW).requests[0];
		const [event] = bodyOf(request).data;
		expect(event.user).toEqual({});
		expect(event.properties).toEqual({ currency: 'USD' });
		expect(event).not.toHaveProperty('page');
		expect(JSON.parse(JSON.stringify(request.body))).toEqual(request.body);
	});

	it("uses the conversion's own IP when the click has none", () => {
		const input = conversion({ ip: '192.0.2.55', click: { clickId: 'c', clickedAt: '2024-05-30T10:00:00Z' } });
		const [event] = bodyOf(tiktok.planRequests([input], tiktokConfig(), NOW).requests[0]).data;
		expect(event.user.ip).toBe('192.0.2.55');
	});

	it('batches 2,500 conversions into 3 requests of 1000, 1000 and 500, in input order', () => {
		const plan = tiktok.planRequests(conversions(2500), tiktokConfig(), NOW);
		expect(plan.requests.map((request) => bodyOf(request).data.length)).toEqual([1000, 1000, 500]);
		expect(plan.requests.flatMap((request) => request.itemIndexes)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
		expect(new Set(plan.requests.flatMap((request) => bodyOf(request).data.map((event) => event.event_id))).size).toBe(2500);
	});

	it('adds test_event_code, the event source and a base URL for tests and proxies', () => {
		const [request] = tiktok.planRequests(
			[conversion()],
			tiktokConfig({ testEventCode: 'TEST12345', eventSource: 'app', baseUrl: 'http://127.0.0.1:9999/' }),
			NOW,
		).requests;
		expect(request.url).toBe('http://127.0.0.1:9999/open_api/v1.3/event/track/');
		expect(bodyOf(request).test_event_code).toBe('TEST12345');
		expect(bodyOf(request).event_source).toBe('app');
	});

	describe('event names', () => {
		const nameOf = (input: ReturnType<typeof conversion>) => bodyOf(tiktok.planRequests([input], tiktokConfig(), NOW).requests[0]).data[0].event;

		it("uses the funnel's TikTok name exactly as given", () => {
			expect(nameOf(conversion({ destinationEvents: { tiktok: 'PlaceAnOrder' } }))).toBe('PlaceAnOrder');
			expect(nameOf(conversion({ destinationEvents: { tiktok: 'myTrial_Started' } }))).toBe('myTrial_Started');
		});

		it('maps our standard events when there is no mapping on the item', () => {
			expect(nameOf(conversion({ destinationEvents: undefined }))).toBe('CompletePayment');
			expect(nameOf(conversion({ eventName: 'Lead', destinationEvents: undefined }))).toBe('Lead');
			expect(nameOf(conversion({ eventName: 'CompleteRegistration', destinationEvents: undefined }))).toBe('CompleteRegistration');
		});

		it('sends custom event names case-sensitively, never lowercased', () => {
			expect(nameOf(conversion({ eventName: 'SubscribeTrial', destinationEvents: { meta: 'SubscribeTrial' } }))).toBe('SubscribeTrial');
			expect(nameOf(conversion({ eventName: 'upgradeToPRO', destinationEvents: undefined }))).toBe('upgradeToPRO');
		});

		it('does not send a standard event whose funnel mapping removed TikTok, and says why', () => {
			const plan = tiktok.planRequests([conversion({ destinationEvents: { meta: 'Purchase' } }), conversion({ transactionId: 'x' })], tiktokConfig(), NOW);
			expect(plan.skipped).toEqual([expect.objectContaining({ index: 0, code: 'no_tiktok_event' })]);
			expect(plan.requests[0].itemIndexes).toEqual([1]);
		});
	});

	describe('Click Tracker items', () => {
		it('become an OutboundClick custom event with the click time, a click-based event id and the raw ids', () => {
			const input = click();
			const [request] = tiktok.planRequests([input], tiktokConfig(), NOW).requests;
			const [event] = bodyOf(request).data;
			expect(event.event).toBe('OutboundClick');
			expect(event.event_time).toBe(Date.parse('2024-06-01T11:59:00Z') / 1000);
			expect(event.event_id).toBe('click_clk_8Jd2kQ0pLm3Zr7Tn5Vb1');
			expect(event.event_id).toBe(eventIdFor(input));
			expect(event.user).toEqual({
				external_id: normalizeAndHash('tiktok', 'external_id', 'vis_4f7c9b'),
				ttclid: 'E.C.P.Zz91Lk',
				ttp: 'ttp-cookie-77',
				ip: '198.51.100.23',
				user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
			});
			expect(event.user.external_id).toMatch(HEX64);
			expect(event.properties).toEqual({ content_name: 'wpengine' });
			expect(event.page).toEqual({ url: 'https://deals.example.com/hosting', referrer: 'https://www.tiktok.com/' });
		});

		it('take another event name when configured, and mix with conversions in one batch', () => {
			const plan = tiktok.planRequests([conversion(), click()], tiktokConfig({ clickEventName: 'ClickButton' }), NOW);
			expect(bodyOf(plan.requests[0]).data.map((event) => event.event)).toEqual(['CompletePayment', 'ClickButton']);
		});
	});

	describe('what is not sent', () => {
		it('offline and CRM events older than 28 days are skipped with a reason; web events are not', () => {
			const old = conversion({ transactionId: 'old', occurredAt: '2024-05-03T11:00:00Z' }); // 29 days before NOW
			const recent = conversion({ transactionId: 'recent', occurredAt: '2024-05-05T12:00:00Z' }); // 27 days
			for (const eventSource of ['offline', 'crm'] as const) {
				const plan = tiktok.planRequests([old, recent], tiktokConfig({ eventSource }), NOW);
				expect(plan.skipped).toEqual([{ index: 0, code: 'event_too_old', reason: expect.stringContaining('28 days') }]);
				expect(plan.requests[0].itemIndexes).toEqual([1]);
			}
			expect(tiktok.planRequests([old, recent], tiktokConfig({ eventSource: 'web' }), NOW).skipped).toEqual([]);
		});

		it('a negative value (a reversal) is skipped', () => {
			const plan = tiktok.planRequests([conversion({ amount: '-79', commission: '-39.5' })], tiktokConfig(), NOW);
			expect(plan.requests).toEqual([]);
			expect(plan.skipped).toEqual([expect.objectContaining({ index: 0, code: 'not_a_conversion', reason: expect.stringContaining('reversal or refund') })]);
		});

		it('a value that is not a decimal is skipped (invalid_value), not sent without a value', () => {
			const plan = tiktok.planRequests([conversion({ commission: '39.5.0' }), conversion({ transactionId: 'ok' })], tiktokConfig(), NOW);
			expect(plan.skipped).toEqual([{ index: 0, code: 'invalid_value', reason: expect.stringContaining('"39.5.0" is not a decimal') }]);
			expect(plan.requests[0].itemIndexes).toEqual([1]);
		});

		it('a conversion without an event name is no_tiktok_event', () => {
			const plan = tiktok.planRequests([conversion({ eventName: undefined as unknown as string, destinationEvents: undefined })], tiktokConfig(), NOW);
			expect(plan.skipped).toEqual([expect.objectContaining({ index: 0, code: 'no_tiktok_event' })]);
		});

		it('offline clicks older than 28 days are skipped like conversions', () => {
			const plan = tiktok.planRequests([click({ clickedAt: '2024-05-01T00:00:00Z' })], tiktokConfig({ eventSource: 'offline' }), NOW);
			expect(plan.skipped).toEqual([{ index: 0, code: 'event_too_old', reason: expect.stringContaining('28 days') }]);
		});

		it('an unreadable time is skipped', () => {
			const plan = tiktok.planRequests([click({ clickedAt: 'yesterday' })], tiktokConfig(), NOW);
			expect(plan.skipped).toEqual([expect.objectContaining({ index: 0, code: 'invalid_time' })]);
		});

		it('without a pixel code or token nothing is sent, and every event says why', () => {
			const plan = tiktok.planRequests([conversion(), click()], tiktokConfig({ pixelCode: ' ' }), NOW);
			expect(plan.requests).toEqual([]);
			expect(plan.skipped.map((skipped) => [skipped.index, skipped.code])).toEqual([
				[0, 'missing_config'],
				[1, 'missing_config'],
			]);
			expect(plan.skipped[0].reason).toMatch(/pixel code/);
		});
	});
});

describe('TikTok destination: reading answers', () => {
	const request: PlatformRequest = {
		...tiktok.planRequests(conversions(4), tiktokConfig(), NOW).requests[0],
		// As after a retry re-plan: body position n carries input item itemIndexes[n].
		itemIndexes: [10, 11, 12, 13],
	};
	const ids = bodyOf(request).data.map((event) => event.event_id);
	const ok = (body: unknown, headers: PlatformResponse['headers'] = {}): PlatformResponse => ({ status: 200, headers, body });
	const envelope = (code: number, message: string) => ({ code, message, request_id: '2024060112000001ABCDEF', data: {} });
	const read = (response: PlatformResponse) => readTikTokResponse(request, response, NOW);

	it('code 0: every event sent, with its event id', () => {
		expect(read(ok(envelope(0, 'OK')))).toEqual([10, 11, 12, 13].map((index, position) => ({ index, outcome: 'sent', eventId: ids[position] })));
	});

	it('HTTP 200 with a rate-limit code: retry, honouring Retry-After', () => {
		for (const code of [40100, 40132]) {
			const results = read(ok(envelope(code, 'Requests made too frequently.'), { 'retry-after': '3' }));
			expect(results.map((result) => result.outcome)).toEqual(['retry', 'retry', 'retry', 'retry']);
			expect(results[0]).toMatchObject({ index: 10, code: `tiktok_${code}`, retryAfterMs: 3000 });
		}
	});

	it("HTTP 200 with TikTok's internal-error codes: retry", () => {
		for (const code of [50000, 50002, 51012]) expect(read(ok(envelope(code, 'System error'))).every((result) => result.outcome === 'retry')).toBe(true);
	});

	it('HTTP 429 and 5xx: retry, with Retry-After as seconds or an HTTP date', () => {
		const throttled = read({ status: 429, headers: { 'retry-after': '7' }, body: envelope(40100, 'Too many requests.') });
		expect(throttled.every((result) => result.outcome === 'retry' && result.retryAfterMs === 7000 && result.code === 'http_429')).toBe(true);
		const dated = read({ status: 503, headers: { 'retry-after': new Date(NOW.getTime() + 5000).toUTCString() }, body: '<html>503</html>' });
		expect(dated[0]).toMatchObject({ outcome: 'retry', code: 'http_503', retryAfterMs: 5000 });
		expect(read({ status: 500, headers: {}, body: '' })[0]).toMatchObject({ outcome: 'retry', code: 'http_500' });
		expect(read({ status: 500, headers: {}, body: '' })[0]).not.toHaveProperty('retryAfterMs');
	});

	it('token errors fail every event with a hint to fix the credential', () => {
		for (const code of [40104, 40105, 40102]) {
			const results = read(ok(envelope(code, 'Access token is incorrect or has been revoked.')));
			expect(results.every((result) => result.outcome === 'failed' && result.code === `tiktok_${code}`)).toBe(true);
			expect(results[0].reason).toMatch(/credential/i);
			expect(results[0].reason).not.toContain(TOKEN);
		}
		const http = read({ status: 401, headers: {}, body: {} });
		expect(http[0]).toMatchObject({ outcome: 'failed', code: 'http_401', reason: expect.stringMatching(/credential/i) });
	});

	it('a pixel the token may not use (40001) fails with a hint about the pixel', () => {
		const results = read(ok(envelope(40001, `No permission to operate pixel ${PIXEL}.`)));
		expect(results.every((result) => result.outcome === 'failed')).toBe(true);
		expect(results[0].reason).toMatch(/pixel code/);
	});

	it('invalid data without a named event fails the whole batch', () => {
		const results = read(ok(envelope(40002, 'event_source_id: Missing data for required field.')));
		expect(results.every((result) => result.outcome === 'failed' && result.code === 'tiktok_40002')).toBe(true);
		expect(results[0].reason).toContain('event_source_id');
	});

	it('invalid data naming events fails those and sends the others again', () => {
		const results = read(ok(envelope(40002, 'Batch.2.user.email: Must be a SHA-256 hash')));
		expect(results.map((result) => [result.index, result.outcome])).toEqual([
			[10, 'retry'],
			[11, 'retry'],
			[12, 'failed'],
			[13, 'retry'],
		]);
		expect(results[2]).toMatchObject({ eventId: ids[2], reason: expect.stringContaining('Batch.2.user.email') });
	});

	it('partial success (20001): the named events failed, the rest were accepted', () => {
		const results = read(ok(envelope(20001, 'Partial success. Batch.1.event_time: Not a valid integer.; Batch.3.properties.value: Not a valid number.')));
		expect(results.map((result) => [result.index, result.outcome])).toEqual([
			[10, 'sent'],
			[11, 'failed'],
			[12, 'sent'],
			[13, 'failed'],
		]);
		expect(results[1].reason).toContain('Batch.1.event_time');
		expect(results[1].reason).not.toContain('Batch.3');
		expect(results[3].reason).toContain('Batch.3.properties.value');
	});

	it('partial success that names nobody: failed, with the note that sending again is safe', () => {
		const results = read(ok(envelope(20001, 'Partial success.')));
		expect(results.every((result) => result.outcome === 'failed')).toBe(true);
		expect(results[0].reason).toMatch(/event_id/);
	});

	it('a 200 without the envelope, other HTTP errors and unknown codes fail', () => {
		expect(read(ok('<html>proxy</html>'))[0]).toMatchObject({ outcome: 'failed', code: 'unexpected_response' });
		expect(read({ status: 400, headers: {}, body: envelope(40002, 'bad') })[0]).toMatchObject({ outcome: 'failed', code: 'http_400' });
		expect(read(ok(envelope(41001, 'Interface offline')))[0]).toMatchObject({ outcome: 'failed', code: 'tiktok_41001' });
	});

	it('finds the blamed positions in the ways TikTok writes paths', () => {
		expect([...blamedPositions('Batch.0.event: missing; data[2].user.ip: bad\ndata.7.page.url: bad').keys()]).toEqual([0, 2, 7]);
		expect(blamedPositions('event_source_id: Missing data').size).toBe(0);
	});
});
