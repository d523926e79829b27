/** Reading Meta's answers: every class of response → one result per event, at the input's index. */
import type { PlatformRequest, PlatformResponse } from '../../../src/destinations';
import { meta } from '../../../src/destinations/meta';
import { NOW, PIXEL, TOKEN } from './meta-fixtures';

/** A request carrying three events that were input items 4, 7 and 9. */
const request: PlatformRequest = {
	method: 'POST',
	url: `https://graph.facebook.com/v26.0/${PIXEL}/events?access_token=${TOKEN}`,
	headers: { 'content-type': 'application/json' },
	body: { data: [{ event_id: 'e4' }, { event_id: 'e7' }, { event_id: 'e9' }] },
	itemIndexes: [4, 7, 9],
};

const read = (status: number, body: unknown, headers: PlatformResponse['headers'] = {}) => meta.readResponse(request, { status, headers, body }, NOW);

function graphError(code: number, extra: Record<string, unknown> = {}) {
	return { error: { message: 'Invalid parameter', type: 'OAuthException', code, fbtrace_id: 'AbCdEf123', is_transient: false, ...extra } };
}

describe('Meta: reading responses', () => {
	it('200 with events_received: every event sent, reported at its input index with its event id', () => {
		expect(read(200, { events_received: 3, messages: [], fbtrace_id: 'x' })).toEqual([
			{ index: 4, outcome: 'sent', eventId: 'e4' },
			{ index: 7, outcome: 'sent', eventId: 'e7' },
			{ index: 9, outcome: 'sent', eventId: 'e9' },
		]);
	});

	it('a 200 that is not Meta’s answer is not taken as delivery', () => {
		const results = read(200, '<html>proxy</html>');
		expect(results.map((result) => result.outcome)).toEqual(['failed', 'failed', 'failed']);
		expect(results[0].code).toBe('unexpected_response');
	});

	it('400 invalid data (2804019): the whole batch failed, each event with the subcode and Meta’s words', () => {
		const results = read(
			400,
			graphError(100, { error_subcode: 2804019, error_user_title: 'Unhashed em', error_user_msg: 'Event 1: user_data.em must be a SHA-256 hash.' }),
		);
		expect(results.map((result) => [result.index, result.outcome, result.code])).toEqual([
			[4, 'failed', '2804019'],
			[7, 'failed', '2804019'],
			[9, 'failed', '2804019'],
		]);
		expect(results[0].reason).toMatch(
			/whole batch of 3 events: Unhashed em: Event 1: user_data\.em must be a SHA-256 hash\. \(code 100, subcode 2804019, fbtrace_id AbCdEf123\)/,
		);
		expect(results[0].eventId).toBe('e4');
	});

	it('400 event too old (2804003): failed, saying the others were innocent and can be sent again', () => {
		const results = read(400, graphError(100, { error_subcode: 2804003, error_user_title: 'Event Timestamp Too Old' }));
		expect(results.every((result) => result.outcome === 'failed' && result.code === '2804003')).toBe(true);
		expect(results[0].reason).toMatch(/older than 7 days.*send them again/);
	});

	it('400 bad fbc (2804001): failed with the subcode', () => {
		expect(read(400, graphError(100, { error_subcode: 2804001 }))[0]).toEqual(expect.objectContaining({ outcome: 'failed', code: '2804001' }));
	});

	it('429 with Retry-After: retry, carrying the wait', () => {
		const results = read(429, graphError(4, { message: '(#4) Application request limit reached', is_transient: true }), { 'retry-after': '7' });
		expect(results.map((result) => [result.index, result.outcome, result.retryAfterMs])).toEqual([
			[4, 'retry', 7000],
			[7, 'retry', 7000],
			[9, 'retry', 7000],
		]);
		expect(results[0].reason).toMatch(/throttling/);
	});

	it.each([4, 17, 32, 613, 80003])('throttling code %d on a 400: retry', (code) => {
		const [result] = read(400, graphError(code));
		expect(result.outcome).toBe('retry');
		expect(result.retryAfterMs).toBeUndefined();
	});

	it.each([500, 502, 503, 504])('HTTP %d: retry', (status) => {
		expect(read(status, graphError(2, { message: 'An unexpected error has occurred.', is_transient: true }))[0].outcome).toBe('retry');
		expect(read(status, 'Service Unavailable')[0]).toEqual(expect.objectContaining({ outcome: 'retry', code: `http_${status}` }));
	});

	it('a transient Graph error on a 400 (code 1/2, is_transient): retry', () => {
		expect(read(400, graphError(1))[0].outcome).toBe('retry');
		expect(read(400, graphError(2))[0].outcome).toBe('retry');
		expect(read(400, graphError(100, { is_transient: true }))[0].outcome).toBe('retry');
	});

	it('a Retry-After given as an HTTP date is honoured', () => {
		const at = new Date(NOW.getTime() + 30_000).toUTCString();
		expect(read(503, '', { 'Retry-After': at })[0].retryAfterMs).toBe(30_000);
	});

	it('bad token (190): failed, telling the operator to fix the credential, without echoing the token', () => {
		const results = read(400, graphError(190, { message: `Invalid OAuth access token - Cannot parse access token ${TOKEN}` }));
		expect(results.every((result) => result.outcome === 'failed' && result.code === '190')).toBe(true);
		expect(results[0].reason).toMatch(/Fix the Meta Conversions API credential/);
		expect(JSON.stringify(results)).not.toContain(TOKEN);
	});

	it('missing permission (code 10 / 200) or 403: failed, pointing at the pixel id and the token', () => {
		expect(read(400, graphError(10))[0].reason).toMatch(/Pixel ID/);
		expect(read(403, graphError(200))[0]).toEqual(expect.objectContaining({ outcome: 'failed', code: '200' }));
	});

	it('another 4xx without Meta’s error shape: failed with the status', () => {
		expect(read(404, 'Not Found')[0]).toEqual(expect.objectContaining({ outcome: 'failed', code: 'http_404', reason: 'Meta answered HTTP 404: Not Found' }));
	});

	it('keeps personal data out of the reason', () => {
		const [result] = read(400, graphError(100, { error_subcode: 2804019, error_user_msg: 'The value john.smith@example.com is not hashed' }));
		expect(result.reason).not.toContain('john.smith@example.com');
		expect(result.reason).toContain('[email]');
	});

	it('returns exactly one result per event the request carried', () => {
		for (const [status, body] of [
			[200, { events_received: 3 }],
			[400, graphError(100)],
			[429, {}],
			[500, ''],
		] as Array<[number, unknown]>) {
			expect(read(status, body).map((result) => result.index)).toEqual([4, 7, 9]);
		}
	});
});
