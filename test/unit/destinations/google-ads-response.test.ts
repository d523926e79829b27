/** Reading Google Ads answers: partial failure rows (index 0 left out), validateOnly, auth, version, throttling. */
import { type PlatformResponse, buildPlatformRequests } from '../../../src/destinations';
import { type GoogleAdsRequest, googleAds, rowOf } from '../../../src/destinations/google_ads';
import { HOUR, NOW, config, purchases } from './google-ads-fixtures';

const FAILURE = 'type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure';

/** A request carrying 4 conversions for input items 4, 7, 9, 12 (as after skips). */
function request(): GoogleAdsRequest {
	const [built] = buildPlatformRequests('google_ads', purchases(4), config(), NOW);
	return { ...built, itemIndexes: [4, 7, 9, 12] } as GoogleAdsRequest;
}

const ok = (body: unknown, status = 200, headers: PlatformResponse['headers'] = {}): PlatformResponse => ({ status, headers, body });
const at = (index?: number, field = 'gclid') => ({
	fieldPathElements: [index === undefined ? { fieldName: 'conversions' } : { fieldName: 'conversions', index }, { fieldName: field }],
});
const rowError = (code: Record<string, string>, index?: number, message = 'row problem') => ({ errorCode: code, message, location: at(index) });
const partial = (...errors: unknown[]) => ({ code: 3, message: 'some rows failed', details: [{ '@type': FAILURE, errors }] });
const rpc = (code: number, status: string, errors: unknown[] = [], message = 'request failed') => ({
	error: { code, message, status, details: errors.length > 0 ? [{ '@type': FAILURE, errors, requestId: 'r1' }] : [] },
});

describe('Google Ads response', () => {
	it('reports every row sent on a clean 200, at the input index, with the order id as event id', () => {
		const req = request();
		const rows = req.body.conversions as Array<{ orderId: string }>;
		const results = googleAds.readResponse(req, ok({ results: rows.map(() => ({ gclid: 'x' })), jobId: '1' }), NOW);
		expect(results).toEqual([4, 7, 9, 12].map((index, position) => ({ index, outcome: 'sent', eventId: rows[position].orderId })));
	});

	it('reads partial failure rows: an error without an index is row 0; the rows without errors were accepted', () => {
		const req = request();
		const body = {
			results: [{}, { gclid: 'tx-gclid-1' }, {}, {}],
			partialFailureError: partial(
				rowError({ conversionUploadError: 'TOO_RECENT_EVENT' }, undefined, 'The click occurred less than 6 hours ago'),
				rowError({ conversionUploadError: 'CLICK_NOT_FOUND' }, 2, 'The click could not be found'),
				rowError({ conversionUploadError: 'CLICK_CONVERSION_ALREADY_EXISTS' }, 3, 'Already uploaded'),
			),
		};
		// The click of row 0 is recent as far as Google is concerned (its clock), even though ours said otherwise.
		const reqWithRecentClick = { ...req, clickedAt: [new Date(NOW.getTime() - HOUR).toISOString(), ...(req.clickedAt ?? []).slice(1)] };
		const results = googleAds.readResponse(reqWithRecentClick, ok(body), NOW);
		expect(results.map((result) => [result.index, result.outcome, result.code])).toEqual([
			[4, 'retry_later', 'TOO_RECENT_EVENT'],
			[7, 'sent', undefined],
			[9, 'failed', 'CLICK_NOT_FOUND'],
			[12, 'sent', 'CLICK_CONVERSION_ALREADY_EXISTS'],
		]);
		expect(results[0].retryAt).toBe(new Date(NOW.getTime() + 5 * HOUR).toISOString());
		expect(results[2].reason).toMatch(/could not be found/);
		expect(results[3].reason).toMatch(/already has this conversion/);
	});

	it('falls back to 6 hours from now for TOO_RECENT_EVENT without a usable click time, and for a new conversion action', () => {
		const req = { ...request(), clickedAt: undefined };
		const body = {
			results: [{}, {}, { gclid: 'x' }, { gclid: 'y' }],
			partialFailureError: partial(
				rowError({ conversionUploadError: 'TOO_RECENT_EVENT' }),
				rowError({ conversionUploadError: 'TOO_RECENT_CONVERSION_ACTION' }, 1),
			),
		};
		const results = googleAds.readResponse(req, ok(body), NOW);
		const sixHours = new Date(NOW.getTime() + 6 * HOUR).toISOString();
		expect(results.slice(0, 2).map((result) => [result.outcome, result.retryAt])).toEqual([
			['retry_later', sixHours],
			['retry_later', sixHours],
		]);
	});

	it('gives a row with several errors the most final outcome, and retries rows Google could not process', () => {
		const body = {
			results: [{}, {}, { gclid: 'x' }, { gclid: 'y' }],
			partialFailureError: partial(
				rowError({ conversionUploadError: 'TOO_RECENT_EVENT' }, 0),
				rowError({ conversionUploadError: 'CONVERSION_PRECEDES_EVENT' }),
				rowError({ internalError: 'INTERNAL_ERROR' }, 1),
			),
		};
		const results = googleAds.readResponse(request(), ok(body), NOW);
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['failed', 'CONVERSION_PRECEDES_EVENT'],
			['retry', 'INTERNAL_ERROR'],
			['sent', undefined],
			['sent', undefined],
		]);
		expect(results[0].reason).toMatch(/TOO_RECENT_EVENT.*CONVERSION_PRECEDES_EVENT/);
	});

	it('does not count an empty result the failure did not locate as accepted', () => {
		const body = {
			results: [{ gclid: 'a' }, {}, { gclid: 'c' }, { gclid: 'd' }],
			partialFailureError: {
				code: 3,
				message: 'something about the request',
				details: [{ '@type': FAILURE, errors: [{ errorCode: { requestError: 'UNKNOWN' }, message: 'odd' }] }],
			},
		};
		const results = googleAds.readResponse(request(), ok(body), NOW);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'failed', 'sent', 'sent']);
		expect(results[1].reason).toMatch(/odd/);
	});

	it('locates errors by the conversions element only (index 0 omitted, other path elements ignored)', () => {
		expect(rowOf({ location: { fieldPathElements: [{ fieldName: 'conversions' }, { fieldName: 'user_identifiers', index: 3 }] } })).toBe(0);
		expect(rowOf({ location: { fieldPathElements: [{ fieldName: 'conversions', index: 5 }, { fieldName: 'gclid' }] } })).toBe(5);
		expect(rowOf({ location: { fieldPathElements: [{ fieldName: 'partial_failure' }] } })).toBeUndefined();
		expect(rowOf({})).toBeUndefined();
	});

	it('reports validateOnly answers (no results) as validated, and their row errors as failures', () => {
		const req = { ...request(), body: { ...request().body, validateOnly: true } };
		expect(googleAds.readResponse(req, ok({}), NOW).map((result) => [result.outcome, result.code])).toEqual(Array(4).fill(['sent', 'validated']));
		const withErrors = googleAds.readResponse(req, ok({ partialFailureError: partial(rowError({ conversionUploadError: 'UNPARSEABLE_GCLID' }, 2)) }), NOW);
		expect(withErrors.map((result) => result.outcome)).toEqual(['sent', 'sent', 'failed', 'sent']);
		expect(withErrors[0].code).toBe('validated');
	});

	describe('request errors', () => {
		it('fails every row on 401 with a hint to reconnect the credential', () => {
			const results = googleAds.readResponse(
				request(),
				ok(rpc(401, 'UNAUTHENTICATED', [{ errorCode: { authenticationError: 'OAUTH_TOKEN_INVALID' }, message: 'bad token' }]), 401),
				NOW,
			);
			expect(results.every((result) => result.outcome === 'failed' && result.code === 'OAUTH_TOKEN_INVALID')).toBe(true);
			expect(results[0].reason).toMatch(/reconnect the Google Ads credential/);
			expect(results.map((result) => result.index)).toEqual([4, 7, 9, 12]);
		});

		it('hints at the login customer ID and the developer token on 403', () => {
			const denied = googleAds.readResponse(
				request(),
				ok(rpc(403, 'PERMISSION_DENIED', [{ errorCode: { authorizationError: 'USER_PERMISSION_DENIED' }, message: 'no access' }]), 403),
				NOW,
			);
			expect(denied[0]).toMatchObject({ outcome: 'failed', code: 'USER_PERMISSION_DENIED', reason: expect.stringMatching(/Login Customer ID/) });
			const token = googleAds.readResponse(
				request(),
				ok(rpc(403, 'PERMISSION_DENIED', [{ errorCode: { authorizationError: 'DEVELOPER_TOKEN_NOT_APPROVED' }, message: 'test token' }]), 403),
				NOW,
			);
			expect(token[0].reason).toMatch(/developer token/);
			const missing = googleAds.readResponse(
				request(),
				ok(rpc(400, 'INVALID_ARGUMENT', [{ errorCode: { requestError: 'DEVELOPER_TOKEN_PARAMETER_MISSING' }, message: 'missing' }]), 400),
				NOW,
			);
			expect(missing[0]).toMatchObject({ outcome: 'failed', code: 'DEVELOPER_TOKEN_PARAMETER_MISSING', reason: expect.stringMatching(/developer token/) });
		});

		it('fails on 404 with a hint at a retired API version (JSON or HTML body)', () => {
			for (const body of [rpc(404, 'NOT_FOUND', [], 'Version v21 is sunset'), '<!DOCTYPE html><title>Error 404 (Not Found)</title>']) {
				const results = googleAds.readResponse(request(), ok(body, 404), NOW);
				expect(results[0]).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/API version/) });
			}
		});

		it("retries 429 RESOURCE_EXHAUSTED with Google's retry delay or Retry-After", () => {
			const quota = rpc(429, 'RESOURCE_EXHAUSTED', [
				{ errorCode: { quotaError: 'RESOURCE_EXHAUSTED' }, message: 'Too many requests', details: { quotaErrorDetails: { retryDelay: '30s' } } },
			]);
			const results = googleAds.readResponse(request(), ok(quota, 429), NOW);
			expect(results.every((result) => result.outcome === 'retry' && result.retryAfterMs === 30_000 && result.code === 'RESOURCE_EXHAUSTED')).toBe(true);
			const header = googleAds.readResponse(request(), ok(rpc(429, 'RESOURCE_EXHAUSTED'), 429, { 'retry-after': '7' }), NOW);
			expect(header[0]).toMatchObject({ outcome: 'retry', retryAfterMs: 7000 });
		});

		it('retries 5xx, 408 and 409', () => {
			for (const status of [500, 502, 503, 504, 408, 409]) {
				const results = googleAds.readResponse(request(), ok(rpc(status, 'UNAVAILABLE'), status), NOW);
				expect(results.map((result) => result.outcome)).toEqual(['retry', 'retry', 'retry', 'retry']);
			}
		});

		it('fails the request Google refused as a whole, with row reasons where it located them', () => {
			const body = rpc(400, 'INVALID_ARGUMENT', [
				{ errorCode: { conversionUploadError: 'TOO_MANY_CONVERSIONS_IN_REQUEST' }, message: 'too many' },
				{ errorCode: { fieldError: 'REQUIRED' }, message: 'missing field', location: at(1, 'conversion_action') },
			]);
			const results = googleAds.readResponse(request(), ok(body, 400), NOW);
			expect(results.map((result) => [result.outcome, result.code])).toEqual([
				['failed', 'TOO_MANY_CONVERSIONS_IN_REQUEST'],
				['failed', 'REQUIRED'],
				['failed', 'TOO_MANY_CONVERSIONS_IN_REQUEST'],
				['failed', 'TOO_MANY_CONVERSIONS_IN_REQUEST'],
			]);
		});
	});
});
